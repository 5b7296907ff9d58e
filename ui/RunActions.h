#pragma once

#include <QObject>

class QAction;
class QLabel;
class QWidget;

namespace Loadstar::Ui {

// Run (F5) and Stop (Shift+F5), and the run's line in the status bar. They
// only say what the user asked for: whoever runs the document answers with
// setRunning() and setStatusText(), so the window never waits on the engine.
class RunActions final : public QObject
{
    Q_OBJECT

public:
    // `window` holds the actions, so their shortcuts work anywhere in it.
    explicit RunActions(QWidget *window);

    QAction *runAction() const { return m_run; }
    QAction *stopAction() const { return m_stop; }
    // For the status bar; hidden while it has nothing to say.
    QLabel *statusLabel() const { return m_status; }

    // Run is offered while stopped, Stop while running.
    void setRunning(bool running);
    bool isRunning() const { return m_running; }

    // "Running — lb-01 on 127.0.0.1:8080", or why the run failed (`error`:
    // drawn in the error colour). Empty hides the label.
    void setStatusText(const QString &text, bool error = false);
    QString statusText() const;
    bool statusIsError() const { return m_statusIsError; }

signals:
    void runRequested();
    void stopRequested();
    void runningChanged(bool running);

private:
    QAction *m_run;
    QAction *m_stop;
    QLabel *m_status;
    bool m_running = false;
    bool m_statusIsError = false;
};

} // namespace Loadstar::Ui
