#pragma once

#include "haproxy/ConfigExport.h"

#include <QObject>
#include <QPointer>
#include <QWidget>
#include <QThreadPool>


namespace Loadstar {
class Document;
}

namespace Loadstar::Ui {

class UserPrompts;

// What File → Export Configuration → HAProxy/keepalived/nginx/MariaDB /
// PostgreSQL does: asks where (beside the document, haproxy.cfg; a folder
// for the databases' files), writes the configuration and the certificate
// files it names, or the folder's files, on a worker thread, says so in the
// status bar, and shows what the target cannot say as drawn. Failures go
// through the prompts; nothing is written then.
class ConfigExportController final : public QObject
{
    Q_OBJECT

public:
    ConfigExportController(UserPrompts *prompts, QWidget *window, QObject *parent = nullptr);
    ~ConfigExportController() override;

    void exportDocument(const Document *document, Haproxy::ConfigFormat format);
    bool isBusy() const { return m_writing > 0; }

signals:
    void statusMessage(const QString &message, int timeoutMs);
    // After every export, written or not: `error` is empty when it was.
    void finished(const QString &path, const QString &error, const QStringList &notes);

private:
    UserPrompts *m_prompts;
    QPointer<QWidget> m_window;
    QThreadPool m_io; // one thread: exports land in the order they were asked for
    int m_writing = 0;
};

} // namespace Loadstar::Ui
