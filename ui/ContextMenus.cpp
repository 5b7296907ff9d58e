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

} // namespace Loadstar::Ui
