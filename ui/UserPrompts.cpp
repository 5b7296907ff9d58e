#include "UserPrompts.h"

#include <QApplication>
#include <QClipboard>
#include <QCoreApplication>
#include <QDialog>
#include <QDialogButtonBox>
#include <QLabel>
#include <QListWidget>
#include <QVBoxLayout>
#include <QFileDialog>
#include <QFileInfo>
#include <QInputDialog>
#include <QMessageBox>
#include <QPushButton>
#include <QSpinBox>

namespace Loadstar::Ui {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("Loadstar::Ui::UserPrompts", text);
}

QString jsonFilter()
{
    return tr("JSON (*.json)");
}

} // namespace

QString documentFileFilter()
{
    return tr("Loadstar documents (*.loadstar)") + QStringLiteral(";;") + jsonFilter();
}

void DialogPrompts::showError(QWidget *parent, const QString &title, const QString &message)
{
    QMessageBox box(QMessageBox::Warning, title, message, QMessageBox::Ok, parent);
    box.setWindowModality(Qt::WindowModal);
    box.exec();
}

UnsavedChoice DialogPrompts::askToSaveChanges(QWidget *parent, const QString &question)
{
    QMessageBox box(QMessageBox::Warning, tr("Unsaved changes"), question,
                    QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, parent);
    box.setInformativeText(tr("Your changes will be lost if you don’t save them."));
    box.setDefaultButton(QMessageBox::Save);
    box.setWindowModality(Qt::WindowModal);
    switch (box.exec()) {
    case QMessageBox::Save:
        return UnsavedChoice::Save;
    case QMessageBox::Discard:
        return UnsavedChoice::Discard;
    default:
        return UnsavedChoice::Cancel;
    }
}

bool DialogPrompts::askToRecover(QWidget *parent, const QString &question)
{
    QMessageBox box(QMessageBox::Question, tr("Recover unsaved changes"), question,
                    QMessageBox::NoButton, parent);
    QPushButton *recover = box.addButton(tr("Recover"), QMessageBox::AcceptRole);
    box.addButton(tr("Discard"), QMessageBox::DestructiveRole);
    box.setDefaultButton(recover);
    box.exec();
    return box.clickedButton() == recover;
}

QString DialogPrompts::askOpenPath(QWidget *parent, const QString &directory)
{
    return QFileDialog::getOpenFileName(parent, tr("Open Document"), directory,
                                        documentFileFilter());
}

QString DialogPrompts::askSavePath(QWidget *parent, const QString &suggestedPath)
{
    QString selectedFilter
        = QFileInfo(suggestedPath).suffix() == QLatin1String("json") ? jsonFilter() : QString();
    QString path = QFileDialog::getSaveFileName(parent, tr("Save As"), suggestedPath,
                                                documentFileFilter(), &selectedFilter);
    if (!path.isEmpty() && QFileInfo(path).suffix().isEmpty())
        path += selectedFilter == jsonFilter() ? QStringLiteral(".json")
                                               : QStringLiteral(".loadstar");
    return path;
}

QString DialogPrompts::askExportPath(QWidget *parent, const QString &title, const QString &suggestedPath,
                                     const QString &filter)
{
    return QFileDialog::getSaveFileName(parent, title, suggestedPath, filter);
}

QString DialogPrompts::askExportFolder(QWidget *parent, const QString &title, const QString &directory)
{
    return QFileDialog::getExistingDirectory(parent, title, directory);
}

std::optional<int> DialogPrompts::askInteger(QWidget *parent, const IntegerQuestion &question)
{
    QInputDialog dialog(parent);
    dialog.setWindowTitle(question.title);
    dialog.setLabelText(question.label);
    dialog.setInputMode(QInputDialog::IntInput);
    dialog.setIntRange(question.minimum, question.maximum);
    dialog.setIntValue(question.value);
    // QInputDialog has no suffix of its own; its spin box does.
    if (auto *spin = dialog.findChild<QSpinBox *>(); spin && !question.suffix.isEmpty())
        spin->setSuffix(QStringLiteral(" ") + question.suffix);
    if (dialog.exec() != QDialog::Accepted)
        return std::nullopt;
    return dialog.intValue();
}

QString DialogPrompts::askImportPath(QWidget *parent, const QString &title, const QString &directory,
                                     const QString &filter)
{
    return QFileDialog::getOpenFileName(parent, title, directory, filter);
}

void DialogPrompts::showReport(QWidget *parent, const QString &title, const QString &summary,
                               const QStringList &lines)
{
    QDialog dialog(parent);
    dialog.setWindowTitle(title);
    dialog.setObjectName(QStringLiteral("reportDialog"));
    auto *layout = new QVBoxLayout(&dialog);
    auto *heading = new QLabel(summary, &dialog);
    heading->setWordWrap(true);
    heading->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(heading);
    auto *list = new QListWidget(&dialog);
    list->addItems(lines);
    list->setSelectionMode(QAbstractItemView::ExtendedSelection);
    list->setWordWrap(true);
    list->setVisible(!lines.isEmpty());
    layout->addWidget(list);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, &dialog);
    // Copies the selected lines, or all of them, as text to paste elsewhere.
    QPushButton *copy = buttons->addButton(tr("Copy"), QDialogButtonBox::ActionRole);
    copy->setEnabled(!lines.isEmpty());
    QObject::connect(copy, &QPushButton::clicked, &dialog, [list, summary, lines] {
        QStringList chosen;
        for (const QListWidgetItem *item : list->selectedItems())
            chosen.append(item->text());
        QApplication::clipboard()->setText((chosen.isEmpty() ? QStringList{summary} + lines : chosen)
                                               .join(QLatin1Char('\n')));
    });
    QObject::connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    layout->addWidget(buttons);
    dialog.resize(760, lines.isEmpty() ? 120 : 420);
    dialog.exec();
}

} // namespace Loadstar::Ui
