#include "RecentFiles.h"

#include <QDir>
#include <QFileInfo>
#include <QMenu>
#include <QPointer>
#include <QSettings>

namespace Loadstar::Ui {

namespace {

const QString kSettingsKey = QStringLiteral("recentFiles");

QString normalized(const QString &path)
{
    return QDir::cleanPath(QFileInfo(path).absoluteFilePath());
}

} // namespace

RecentFiles::RecentFiles(QObject *parent)
    : QObject(parent)
    , m_files(QSettings().value(kSettingsKey).toStringList().mid(0, MaximumCount))
{
}

void RecentFiles::add(const QString &path)
{
    const QString file = normalized(path);
    m_files.removeAll(file);
    m_files.prepend(file);
    while (m_files.size() > MaximumCount)
        m_files.removeLast();
    store();
}

void RecentFiles::remove(const QString &path)
{
    if (m_files.removeAll(normalized(path)) > 0)
        store();
}

void RecentFiles::clear()
{
    m_files.clear();
    store();
}

void RecentFiles::store()
{
    QSettings().setValue(kSettingsKey, m_files);
    emit changed();
}

void RecentFiles::attachMenu(QMenu *menu)
{
    fillMenu(menu);
    connect(this, &RecentFiles::changed, menu, [this, menu] { fillMenu(menu); });
}

void RecentFiles::fillMenu(QMenu *menu)
{
    menu->clear();
    menu->setEnabled(!m_files.isEmpty());
    for (qsizetype i = 0; i < m_files.size(); ++i) {
        const QString path = m_files.at(i);
        // "&1 name" gives keyboard users a mnemonic for the first nine.
        QString text = QFileInfo(path).fileName().replace(QLatin1Char('&'), QStringLiteral("&&"));
        if (i < 9)
            text = QStringLiteral("&%1 %2").arg(i + 1).arg(text);
        QAction *action = menu->addAction(text);
        action->setData(path);
        action->setToolTip(QDir::toNativeSeparators(path));
        action->setStatusTip(QDir::toNativeSeparators(path));
        connect(action, &QAction::triggered, this, [this, path] { emit fileTriggered(path); });
    }
    menu->addSeparator();
    QAction *clearAction = menu->addAction(tr("Clear Menu"));
    clearAction->setObjectName(QStringLiteral("actionClearRecent"));
    connect(clearAction, &QAction::triggered, this, &RecentFiles::clear);
}

} // namespace Loadstar::Ui
