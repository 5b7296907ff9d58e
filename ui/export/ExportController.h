#pragma once

#include "ExportDialog.h"
#include "ImageExporter.h"

#include <QObject>
#include <QPointer>

class QWidget;

namespace Loadstar {
class Document;
}

namespace Loadstar::Ui {

class UserPrompts;

// What File → Export… does: offers the export dialog (remembering the last
// folder, format, scale and background), writes the file, says so in the
// status bar and reports failures through UserPrompts. The drawing itself is
// ImageExporter's.
class ExportController final : public QObject
{
    Q_OBJECT

public:
    ExportController(UserPrompts *prompts, QWidget *window, QObject *parent = nullptr);

    // Opens the dialog (window-modal, without blocking) for `document`; the
    // export runs when the user accepts it.
    void exportDocument(Document *document);
    // The dialog while it is open, else null (tests fill it in).
    ExportDialog *dialog() const { return m_dialog; }

    // Writes `path` now; reports success in the status bar and failure
    // through the prompts. Returns what happened.
    ImageExportResult exportTo(Document *document, const QString &path,
                               const ImageExportOptions &options);

signals:
    void statusMessage(const QString &message, int timeoutMs);
    void exported(const QString &path);

private:
    QString suggestedPath(const Document *document) const;

    UserPrompts *m_prompts;
    QPointer<QWidget> m_window;
    QPointer<ExportDialog> m_dialog;
};

} // namespace Loadstar::Ui
