#pragma once

#include <QList>
#include <QString>

#include <functional>

class QAction;
class QMenu;
class QObject;

namespace Loadstar::Ui {

// Puts `entries` at the top of `menu` under a section titled `title`, with a
// separator before what was there: how the running-state entries of a card's
// context menu (faults, server state) sit above the edit entries.
void insertSectionAtTop(QMenu *menu, QList<QAction *> entries, const QString &title);

// One section of runtime entries in a card's context menu (a demo backend's
// faults, a demo database's), built in order, then put at the top of the
// menu. Each entry has an object name, what tests find it by, and calls back
// while `context` lives.
class MenuSection
{
public:
    MenuSection(QMenu *menu, QObject *context);

    QAction *add(const QString &objectName, const QString &text, std::function<void()> onTriggered);

    // A state that can be put on and taken off (killed, hung): the entry
    // offers the way out of the state the node is in — `off` while `on` is
    // current, `on` otherwise — and `request` gets the state asked for.
    struct Entry
    {
        QString objectName;
        QString text;
    };
    QAction *addToggle(bool current, const Entry &on, const Entry &off,
                       std::function<void(bool on)> request);

    void insertAtTop(const QString &title);

private:
    QMenu *m_menu;
    QObject *m_context;
    QList<QAction *> m_entries;
};

} // namespace Loadstar::Ui
