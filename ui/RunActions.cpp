#include "RunActions.h"

#include "Icons.h"
#include "diagram/DiagramStyle.h"

#include <QAction>
#include <QLabel>
#include <QWidget>

namespace Loadstar::Ui {

namespace {

QAction *makeAction(QWidget *window, const QString &objectName, const QString &text,
                    const QString &iconName, const QKeySequence &shortcut,
                    const QString &toolTip)
{
    auto *action = new QAction(text, window);
    action->setObjectName(objectName);
    action->setIcon(Icons::actionIcon(iconName));
    action->setIconText(QString(text).remove(QLatin1Char('&')));
    action->setShortcut(shortcut);
    action->setToolTip(QStringLiteral("%1 (%2)").arg(
        toolTip, shortcut.toString(QKeySequence::NativeText)));
    action->setStatusTip(toolTip);
    window->addAction(action);
    return action;
}

} // namespace

RunActions::RunActions(QWidget *window)
    : QObject(window)
    , m_run(makeAction(window, QStringLiteral("actionRun"), tr("&Run"),
                       QStringLiteral("media-playback-start"), QKeySequence(Qt::Key_F5),
                       tr("Run the drawing: real traffic through the load balancer, health "
                          "checks on every server")))
    , m_stop(makeAction(window, QStringLiteral("actionStop"), tr("&Stop"),
                        QStringLiteral("media-playback-stop"),
                        QKeySequence(Qt::SHIFT | Qt::Key_F5),
                        tr("Stop the run and close its listeners")))
    , m_status(new QLabel(window))
{
    m_status->setObjectName(QStringLiteral("runStatus"));
    m_status->hide();
    connect(m_run, &QAction::triggered, this, [this] {
        if (!m_running)
            emit runRequested();
    });
    connect(m_stop, &QAction::triggered, this, [this] {
        if (m_running)
            emit stopRequested();
    });
    m_stop->setEnabled(false);
}

void RunActions::setRunning(bool running)
{
    m_run->setEnabled(!running);
    m_stop->setEnabled(running);
    if (m_running == running)
        return;
    m_running = running;
    emit runningChanged(running);
}

void RunActions::setStatusText(const QString &text, bool error)
{
    m_statusIsError = error && !text.isEmpty();
    m_status->setText(text);
    m_status->setToolTip(text);
    QPalette palette = m_status->parentWidget()->palette();
    if (m_statusIsError) {
        const auto colors = DiagramStyle::Colors::fromPalette(palette);
        palette.setColor(QPalette::WindowText, colors.down);
    }
    m_status->setPalette(palette);
    m_status->setVisible(!text.isEmpty());
}

QString RunActions::statusText() const
{
    return m_status->text();
}

} // namespace Loadstar::Ui
