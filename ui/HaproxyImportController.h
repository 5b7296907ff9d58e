#pragma once

#include "haproxy/HaproxyImport.h"

#include <QObject>
#include <QPointer>
#include <QThreadPool>

class QAction;
class QWidget;

namespace Loadstar::Ui {

class DocumentController;
class UserPrompts;

// File → Import HAProxy Configuration…: asks for an haproxy.cfg, reads and
// draws it on a worker thread, opens the drawing as a new untitled document
// (asking about unsaved changes first, as New does) and shows the report of
// what was kept. A file that is not a configuration is reported with its
// line numbers and the current document stays as it was.
class HaproxyImportController final : public QObject
{
    Q_OBJECT

public:
    HaproxyImportController(DocumentController *documents, QWidget *window, QObject *parent = nullptr);
    ~HaproxyImportController() override;

    QAction *action() const { return m_action; }
    // Imports `path` without asking for it (the action asks, then calls this).
    void importFrom(const QString &path);
    bool isBusy() const { return m_reading > 0; }

signals:
    // The drawing of `path` is the window's document now.
    void imported(const QString &path, const Loadstar::Haproxy::ImportReport &report);
    // `path` was not imported; `message` says why, line by line.
    void failed(const QString &path, const QString &message);
    void statusMessage(const QString &message, int timeoutMs);

private:
    void ask();
    void finished(const QString &path, const Haproxy::ImportResult &result);

    DocumentController *m_documents;
    UserPrompts *m_prompts;
    QPointer<QWidget> m_window;
    QAction *m_action;
    QThreadPool m_io;
    int m_reading = 0;
};

} // namespace Loadstar::Ui
