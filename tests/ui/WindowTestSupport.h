#pragma once

#include "ScriptedPrompts.h"

#include "ui/DocumentController.h"
#include "ui/MainWindow.h"
#include "ui/diagram/DiagramScene.h"
#include "ui/diagram/DiagramView.h"
#include "ui/diagram/NodeItem.h"

#include <QMenu>
#include <QTemporaryDir>

#include <QtTest>

#include <memory>

namespace Loadstar::Test {

// The main window on the reference design, as a user opens it: questions
// answered by `prompts`, recovery copies and the event history kept in
// `dir`. Returns once the document has loaded.
inline Ui::MainWindow &startWindow(std::unique_ptr<Ui::MainWindow> &window,
                                   ScriptedPrompts &prompts, const QTemporaryDir &dir)
{
    Ui::MainWindow::Options options;
    options.prompts = &prompts;
    options.document.autosaveDirectory = dir.filePath(QStringLiteral("recovery"));
    options.document.autosaveDelayMs = 60000;
    options.eventHistoryPath = dir.filePath(QStringLiteral("history.sqlite"));
    window = std::make_unique<Ui::MainWindow>(options);
    window->show();
    window->start(QString());
    [&] {
        QTRY_VERIFY(!window->controller()->isBusy());
    }();
    return *window;
}

// What a right-click on the card of `node` offers.
inline std::unique_ptr<QMenu> contextMenuOn(Ui::MainWindow &window, const char *node)
{
    const Ui::NodeItem *item = window.scene()->nodeItemNamed(QLatin1String(node));
    if (!item)
        qFatal("no card %s", node);
    // The right press selects the card under the pointer.
    window.scene()->selectNodes({item->nodeId()});
    window.view()->centerOn(item);
    const QPoint at = window.view()->mapFromScene(item->sceneCardRect().center());
    return window.view()->createContextMenu(at);
}

} // namespace Loadstar::Test
