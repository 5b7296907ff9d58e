#pragma once

#include <QString>
#include <QStringList>

#include <optional>

class QWidget;

namespace Loadstar::Ui {

enum class UnsavedChoice { Save, Discard, Cancel };

// Every question the window asks and every error it reports goes through
// here. The application uses DialogPrompts (message boxes and file dialogs);
// tests hand the window a scripted implementation, so they never hang on a
// modal dialog and can check what the user would have been told.
class UserPrompts
{
public:
    virtual ~UserPrompts() = default;

    virtual void showError(QWidget *parent, const QString &title, const QString &message) = 0;
    // "Save changes to “x” before closing?"
    virtual UnsavedChoice askToSaveChanges(QWidget *parent, const QString &question) = 0;
    // Recover (true) or discard (false) a recovery copy.
    virtual bool askToRecover(QWidget *parent, const QString &question) = 0;
    // A file to open / to save to; empty when the user cancels.
    virtual QString askOpenPath(QWidget *parent, const QString &directory) = 0;
    virtual QString askSavePath(QWidget *parent, const QString &suggestedPath) = 0;
    // A file to export to, of the type `filter` names ("CSV (*.csv)");
    // empty when the user cancels.
    virtual QString askExportPath(QWidget *parent, const QString &title, const QString &suggestedPath,
                                  const QString &filter) = 0;
    // A folder to export a set of files into, starting in `directory` (the
    // user may make a new one there); empty when the user cancels.
    virtual QString askExportFolder(QWidget *parent, const QString &title, const QString &directory) = 0;
    // A whole number in [minimum, maximum] shown with `suffix` ("ms", "%"),
    // starting at `value`; nothing when the user cancels.
    struct IntegerQuestion
    {
        QString title;
        QString label;
        int value = 0;
        int minimum = 0;
        int maximum = 0;
        QString suffix;
    };
    virtual std::optional<int> askInteger(QWidget *parent, const IntegerQuestion &question) = 0;
    // A file to read of the type `filter` names; empty when the user cancels.
    virtual QString askImportPath(QWidget *parent, const QString &title, const QString &directory,
                                  const QString &filter) = 0;
    // A report to read and copy: a summary, then one entry per line.
    virtual void showReport(QWidget *parent, const QString &title, const QString &summary,
                            const QStringList &lines) = 0;
};

// The real thing: QMessageBox and QFileDialog.
class DialogPrompts final : public UserPrompts
{
public:
    void showError(QWidget *parent, const QString &title, const QString &message) override;
    UnsavedChoice askToSaveChanges(QWidget *parent, const QString &question) override;
    bool askToRecover(QWidget *parent, const QString &question) override;
    QString askOpenPath(QWidget *parent, const QString &directory) override;
    QString askSavePath(QWidget *parent, const QString &suggestedPath) override;
    QString askExportPath(QWidget *parent, const QString &title, const QString &suggestedPath,
                          const QString &filter) override;
    QString askExportFolder(QWidget *parent, const QString &title, const QString &directory) override;
    std::optional<int> askInteger(QWidget *parent, const IntegerQuestion &question) override;
    QString askImportPath(QWidget *parent, const QString &title, const QString &directory,
                          const QString &filter) override;
    void showReport(QWidget *parent, const QString &title, const QString &summary,
                    const QStringList &lines) override;
};

// "Loadstar documents (*.loadstar);;JSON (*.json)"
QString documentFileFilter();

} // namespace Loadstar::Ui
