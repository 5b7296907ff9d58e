#pragma once

#include "ui/UserPrompts.h"

#include <QList>
#include <QStringList>

// Answers the window's questions from a script and records what the user
// would have been shown, so tests never block on a modal dialog.
class ScriptedPrompts final : public Loadstar::Ui::UserPrompts
{
public:
    QStringList errors;    // messages of error boxes
    QStringList questions; // unsaved-changes and recovery questions asked
    QList<Loadstar::Ui::UnsavedChoice> unsavedAnswers;
    QList<bool> recoverAnswers;
    QStringList openPaths;
    QStringList savePaths;
    QStringList exportPaths;
    QStringList exportFolders;
    QList<std::optional<int>> integerAnswers; // nullopt: the user cancels
    QList<IntegerQuestion> integerQuestions;  // what was asked
    QStringList importPaths;
    struct Report
    {
        QString title;
        QString summary;
        QStringList lines;
    };
    QList<Report> reports; // reports shown

    void showError(QWidget *, const QString &, const QString &message) override
    {
        errors.append(message);
    }
    Loadstar::Ui::UnsavedChoice askToSaveChanges(QWidget *, const QString &question) override
    {
        questions.append(question);
        return unsavedAnswers.isEmpty() ? Loadstar::Ui::UnsavedChoice::Cancel
                                        : unsavedAnswers.takeFirst();
    }
    bool askToRecover(QWidget *, const QString &question) override
    {
        questions.append(question);
        return !recoverAnswers.isEmpty() && recoverAnswers.takeFirst();
    }
    QString askOpenPath(QWidget *, const QString &) override
    {
        return openPaths.isEmpty() ? QString() : openPaths.takeFirst();
    }
    QString askSavePath(QWidget *, const QString &) override
    {
        return savePaths.isEmpty() ? QString() : savePaths.takeFirst();
    }
    QString askExportPath(QWidget *, const QString &, const QString &, const QString &) override
    {
        return exportPaths.isEmpty() ? QString() : exportPaths.takeFirst();
    }
    QString askExportFolder(QWidget *, const QString &, const QString &) override
    {
        return exportFolders.isEmpty() ? QString() : exportFolders.takeFirst();
    }
    std::optional<int> askInteger(QWidget *, const IntegerQuestion &question) override
    {
        integerQuestions.append(question);
        return integerAnswers.isEmpty() ? std::nullopt : integerAnswers.takeFirst();
    }
    QString askImportPath(QWidget *, const QString &, const QString &, const QString &) override
    {
        return importPaths.isEmpty() ? QString() : importPaths.takeFirst();
    }
    void showReport(QWidget *, const QString &title, const QString &summary, const QStringList &lines) override
    {
        reports.append({title, summary, lines});
    }
};
