#pragma once

#include "engine/monitor/Alert.h"

#include <QObject>
#include <QPointer>

class QStatusBar;
class QSystemTrayIcon;

namespace Loadstar::Ui {

// Shows a monitor's alerts on this desktop: a notification from the system
// tray where the desktop has one, else a message in the window's status
// bar (a headless or tray-less session). Neither ever waits. Alerts of a
// monitor whose `notify` is off are left to the Events panel.
class AlertNotifier final : public QObject
{
    Q_OBJECT

public:
    explicit AlertNotifier(QStatusBar *fallback, QObject *parent = nullptr);

    void notify(const Loadstar::Monitor::Alert &alert);

    static constexpr int ShownMs = 10000;

private:
    QPointer<QStatusBar> m_fallback;
    QSystemTrayIcon *m_tray = nullptr; // made when the first alert needs it
};

} // namespace Loadstar::Ui
