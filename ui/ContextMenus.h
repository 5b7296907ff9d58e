#pragma once

#include <QList>
#include <QString>

class QAction;
class QMenu;

namespace Loadstar::Ui {

// Puts `entries` at the top of `menu` under a section titled `title`, with a
// separator before what was there: how the running-state entries of a card's
// context menu (faults, server state) sit above the edit entries.
void insertSectionAtTop(QMenu *menu, QList<QAction *> entries, const QString &title);

} // namespace Loadstar::Ui
