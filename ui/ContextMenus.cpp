#include "ContextMenus.h"

#include <QAction>
#include <QMenu>

namespace Loadstar::Ui {

void insertSectionAtTop(QMenu *menu, QList<QAction *> entries, const QString &title)
{
    if (entries.isEmpty())
        return;
    auto *separator = new QAction(menu);
    separator->setSeparator(true);
    entries.append(separator);
    QAction *first = menu->actions().value(0);
    menu->insertActions(first, entries);
    menu->insertSection(entries.first(), title);
}

MenuSection::MenuSection(QMenu *menu, QObject *context)
    : m_menu(menu)
    , m_context(context)
{
}

QAction *MenuSection::add(const QString &objectName, const QString &text,
                          std::function<void()> onTriggered)
{
    auto *action = new QAction(text, m_menu);
    action->setObjectName(objectName);
    QObject::connect(action, &QAction::triggered, m_context, std::move(onTriggered));
    m_entries.append(action);
    return action;
}

QAction *MenuSection::addToggle(bool current, const Entry &on, const Entry &off,
                                std::function<void(bool on)> request)
{
    const Entry &offered = current ? off : on;
    return add(offered.objectName, offered.text,
               [request = std::move(request), next = !current] { request(next); });
}

void MenuSection::insertAtTop(const QString &title)
{
    insertSectionAtTop(m_menu, m_entries, title);
}

} // namespace Loadstar::Ui
