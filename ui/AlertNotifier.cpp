#include "AlertNotifier.h"

#include <QApplication>
#include <QStatusBar>
#include <QSystemTrayIcon>

namespace Loadstar::Ui {

AlertNotifier::AlertNotifier(QStatusBar *fallback, QObject *parent)
    : QObject(parent)
    , m_fallback(fallback)
{
}

void AlertNotifier::notify(const Monitor::Alert &alert)
{
    if (!alert.notify)
        return;
    const QString title = alert.isProblem() ? tr("%1: %2 %3").arg(alert.monitor, alert.node, alert.state())
                                            : tr("%1: %2 back to %3").arg(alert.monitor, alert.node, alert.state());
    if (QSystemTrayIcon::isSystemTrayAvailable()) {
        if (!m_tray) {
            m_tray = new QSystemTrayIcon(QApplication::windowIcon(), this);
            m_tray->setToolTip(tr("Loadstar alerts"));
        }
        m_tray->show();
        m_tray->showMessage(title, alert.summary(),
                            alert.isProblem() ? QSystemTrayIcon::Warning : QSystemTrayIcon::Information, ShownMs);
        return;
    }
    if (m_fallback)
        m_fallback->showMessage(tr("Alert from %1: %2").arg(alert.monitor, alert.summary()), ShownMs);
}

} // namespace Loadstar::Ui
