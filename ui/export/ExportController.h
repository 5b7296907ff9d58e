#pragma once

#include "ExportDialog.h"
#include "ImageExporter.h"

#include <QObject>
#include <QPointer>
#include <QThreadPool>

class QWidget;

namespace Loadstar {
class Document;
}

namespace Loadstar::Ui {

class DiagramScene;
class UserPrompts;

// What File → Export… does: offers the export dialog (remembering the last
// folder, format, scale and background), writes the file, says so in the
// status bar and reports failures through UserPrompts. The drawing itself is
// ImageExporter's; it happens on the GUI thread, the PNG encoding and the
// disk on a worker, so a large export does not freeze the window for long.
class ExportController final : public QObject
{
    Q_OBJECT

public:
    ExportController(UserPrompts *prompts, QWidget *window, QObject *parent = nullptr);
    ~ExportController() override;

    // Opens the dialog (window-modal, without blocking) for `document`; the
    // export runs when the user accepts it.
    void exportDocument(Document *document);
    // The dialog while it is open, else null (tests fill it in).
    ExportDialog *dialog() const { return m_dialog; }

    // Draws `document` now and writes `path` in the background; finished()
    // says how it went, the status bar says so too, failures go through the
    // prompts.
    void exportTo(Document *document, const QString &path, const ImageExportOptions &options);
    // While the document runs, exports draw the cards as this scene shows
    // them (null: as drawn).
    void setLiveScene(const DiagramScene *scene) { m_liveScene = scene; }
    // True while a file is being written.
    bool isBusy() const { return m_writing > 0; }

signals:
    void statusMessage(const QString &message, int timeoutMs);
    void finished(const QString &path, const Loadstar::Ui::ImageExportResult &result);

private:
    QString suggestedPath(const Document *document) const;

    UserPrompts *m_prompts;
    QPointer<QWidget> m_window;
    QPointer<ExportDialog> m_dialog;
    QPointer<const DiagramScene> m_liveScene;
    QThreadPool m_io; // one thread: exports land in the order they were asked for
    int m_writing = 0;
};

} // namespace Loadstar::Ui
