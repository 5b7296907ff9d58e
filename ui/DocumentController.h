#pragma once

#include "document/Autosaver.h"
#include "model/Topology.h"

#include <QObject>
#include <QPointer>
#include <QThreadPool>

#include <functional>
#include <memory>
#include <optional>

#include <QWidget>

namespace Loadstar {
class Document;
}

namespace Loadstar::Ui {

class RecentFiles;
class UserPrompts;

// The document behind the window and what happens to it on New, Open, Save
// and Save As: asking about unsaved changes, reading and writing on a worker
// thread (the window never waits for the disk), recent files, the autosaved
// recovery copy, and offering recovery copies at start. It owns the current
// Document and announces each new one with documentChanged().
class DocumentController final : public QObject
{
    Q_OBJECT

public:
    struct Options
    {
        QString autosaveDirectory; // empty: Autosaver::defaultDirectory()
        int autosaveDelayMs = 5000;
    };

    DocumentController(UserPrompts *prompts, QWidget *window, Options options,
                       QObject *parent = nullptr);
    ~DocumentController() override;

    Document *document() const { return m_document.get(); }
    RecentFiles *recentFiles() const { return m_recentFiles; }
    UserPrompts *prompts() const { return m_prompts; }
    Autosaver *autosaver() const { return m_autosaver.get(); }
    // True while a document is being read or written.
    bool isBusy() const { return m_tasks > 0; }

    // First thing after the window shows: offers recovery copies left by a
    // session that died, then opens `file` (or the reference design).
    void start(const QString &file);

    void newDocument();
    // File → New from Template: like New, on the template's drawing;
    // `opened` runs once it is the document (not when the user cancels).
    void newFromTemplate(const Topology &topology, std::function<void()> opened = {});
    void open();
    void openFile(const QString &path);
    void openRecent(const QString &path);
    void save();
    void saveAs();

    // Asks about unsaved changes (Save / Discard / Cancel) and calls `proceed`
    // once the current document may go: unmodified, saved, or discarded.
    // Nothing happens on Cancel or when saving fails.
    void whenSafeToDiscard(const QString &reason, std::function<void()> proceed);

signals:
    void documentChanged(Loadstar::Document *document);
    void statusMessage(const QString &message, int timeoutMs);
    void documentSaved(const QString &path);
    void documentOpened(const QString &path);
    void busyChanged(bool busy);

private:
    enum class OpenOrigin { Dialog, Recent, Startup };
    struct ReadResult
    {
        std::optional<Topology> topology;
        QString error;
        bool missing = false;
    };

    void setDocument(std::unique_ptr<Document> document);
    void showReference();
    void openPath(const QString &path, OpenOrigin origin);
    void offerRecoveries(QList<RecoveryFile> files, const QString &file);
    void recover(const RecoveryFile &file, const QString &fallbackFile);
    void writeTo(const QString &path, std::function<void()> onSaved);
    void readFrom(const QString &path, std::function<void(ReadResult)> done);
    void taskStarted();
    void taskFinished();
    QString suggestedSavePath() const;
    void showError(const QString &title, const QString &message);

    UserPrompts *m_prompts;
    QPointer<QWidget> m_window;
    Options m_options;
    RecentFiles *m_recentFiles;
    std::unique_ptr<Document> m_document;
    std::unique_ptr<Autosaver> m_autosaver;
    QThreadPool m_io; // one thread: reads and writes happen in order
    int m_tasks = 0;
    QList<std::function<void()>> m_whenIdle;
};

} // namespace Loadstar::Ui
