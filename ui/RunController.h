#pragma once

#include "DatabaseEvents.h"
#include "LiveSample.h"
#include "diagram/LiveState.h"
#include "engine/FailoverTimeline.h"
#include "engine/monitor/Alert.h"
#include "history/NodeMetrics.h"

#include <QElapsedTimer>
#include <QHash>
#include <QSet>
#include <QStringList>
#include <QObject>
#include <QPointer>
#include <QThreadPool>
#include <QTimer>

#include <functional>
#include <memory>

namespace Loadstar {
class Document;
class EventHistory;
class MetricsHistory;
namespace Engine {
struct EngineConfig;
}
class LiveSession;
namespace Health {
struct HealthEvent;
}
} // namespace Loadstar

namespace Loadstar::Ui {

class DatabaseActions;
class DiagramScene;
class EventLogPanel;
class FaultActions;
class RunActions;
class ServerAdminActions;
struct DatabaseActionRequest;
struct ServerAdminRequest;

// Runs the current document for real when the user presses Run: compiles
// it, starts a LiveSession (demo backends, engine, health checks) and shows
// what happens on the canvas — health and figures on the cards, transitions
// and the monitor nodes' alerts in the Events panel, the run's line in the
// status bar. Edits made while
// running are applied to the running session; faults asked for from a
// card's menu go to its demo backend.
//
// The window never waits on the session: starting, applying, stopping,
// faults and the periodic sampling of health and counters all happen, in
// order, on a thread of this controller's own, and their results come back
// as queued calls. A server's Ready/Drain/Maintenance and weight, asked for
// from its card's menu, go to every load balancer it is behind; a demo
// database's faults and promotion to its servers.
class RunController final : public QObject
{
    Q_OBJECT

public:
    RunController(RunActions *actions, FaultActions *faults, ServerAdminActions *admin,
                  DatabaseActions *databases, EventLogPanel *events, DiagramScene *scene,
                  QObject *parent = nullptr);
    ~RunController() override; // stops the session and waits for it

    // Where transitions are kept on disk besides the Events panel; null: none.
    void setEventHistory(EventHistory *history);
    // Where every node's figures are kept, once a second; null: nowhere.
    void setMetricsHistory(MetricsHistory *history);

    // The document Run runs; a new document stops the run of the old one.
    void setDocument(Document *document);

    // How often the cards are refreshed while running.
    void setSampleInterval(int ms) { m_sampler.setInterval(ms); }
    // Engine threads for the next run (default 1: the window keeps a core).
    void setEngineThreads(int threads) { m_engineThreads = threads; }

    void run();
    void stop();
    bool isRunning() const { return m_running; }

    // What-if, for real (LiveSession::setFailed): the nodes fail, or come
    // back, in the running document — load balancers close their listener,
    // embedded demo backends are killed — on the session's thread. `done`
    // then runs on this thread with a sentence for each node that could not
    // be failed or brought back (nodes Loadstar does not run: only the
    // prediction shows them), and the cards follow at once. False, and
    // `done` is never called, when the document is not running.
    bool requestFailed(const QStringList &nodes, bool failed, std::function<void(const QStringList &notDone)> done);

    // The port a load balancer listens on while running (0 when it does
    // not), for the status line and for tests of documents using port 0.
    quint16 listenPort(const QString &loadBalancer) const { return m_ports.value(loadBalancer); }

signals:
    // A sample of the running document reached the cards.
    void sampled();
    // Every node's figures in that sample, for the charts.
    void figuresSampled(const QList<Loadstar::NodeMetrics> &figures);
    // A monitor node raised an alert (it is already in the Events panel).
    void alerted(const Loadstar::Monitor::Alert &alert);
    // A database failover and what it cost, in one sentence (it is already
    // in the Events panel).
    void failedOver(const QString &sentence);

private:
    void documentEdited();
    void applyEdits();
    void requestFault(const QString &node, const DemoFaultRequest &request);
    void requestAdmin(const QString &node, const ServerAdminRequest &request);
    void requestDatabaseAction(const QString &node, const DatabaseActionRequest &request);
    // Runtime control of the running session on its thread; a sentence from
    // `work` goes to the status line, and the cards follow at once.
    void control(std::function<QString(LiveSession &)> work);
    void requestSample();
    void showSample(const RunSample &sample);
    void showTransition(const Health::HealthEvent &event);
    void showTrafficMove(const TrafficMove &move);
    void showAlert(const Monitor::Alert &alert);
    void showMonitorNote(const Monitor::MonitorNote &note);
    void showMasterChanges(const QHash<QString, QString> &before, const RunSample &sample);
    // External HAProxy instances: their servers imported on first connect,
    // a lost or recovered stats connection and their servers' state changes
    // in the Events panel.
    void showExternalChanges(const RunSample *before, const RunSample &sample);
    void importExternalServers(const External::ExternalSnapshot &haproxy);
    void appendEvent(const QDateTime &time, const QString &node, const QString &from,
                     const QString &to, const QString &message, bool fine, bool notable = false);
    // A configuration runs: what the status line and the cards need of it.
    void adopt(const Engine::EngineConfig &config, const QHash<QString, quint16> &ports, const QStringList &notices);
    QString runningText() const;

    QPointer<RunActions> m_actions;
    QPointer<FaultActions> m_faults;
    QPointer<EventLogPanel> m_events;
    QPointer<EventHistory> m_history;
    QPointer<MetricsHistory> m_metrics;
    QPointer<DiagramScene> m_scene;
    QPointer<Document> m_document;
    QThreadPool m_control; // one thread: the session's start, apply, samples and stop, in order
    std::shared_ptr<LiveSession> m_session;
    QTimer m_sampler;
    QTimer m_editDelay; // edits made in a burst are applied once
    QHash<QString, quint16> m_ports;     // load balancer → listening port
    QHash<QString, QString> m_listen;    // load balancer → bind address
    QSet<QString> m_tls;                 // load balancers with TLS
    QStringList m_notices;               // what the session said besides its listeners
    QHash<QString, bool> m_embedded;     // server → demo backend
    int m_demoDatabases = 0;
    QHash<QString, QStringList> m_frontendsOf; // server → the load balancers it is behind
    QHash<QString, QString> m_externalSockets; // external load balancer → its stats socket (empty: none)
    QSet<QString> m_imported;                  // external load balancers whose servers were imported this run
    int m_engineThreads = 1;
    bool m_running = false;
    bool m_sampleInFlight = false;
    quint64 m_generation = 0; // a sample from an earlier run is dropped
    std::optional<RunSample> m_previous; // the sample before, for what changed
    // The samples of about the last RateWindowMs, oldest first: rates are
    // the counters' growth since the oldest, so a few writes a second, read
    // every 250 ms, do not flicker between 0 and 8/s.
    QList<RunSample> m_rateSamples;
    QDateTime m_lastRecorded;            // figures written to the history
    QElapsedTimer m_shown;               // since a sample last reached the cards
    FailoverTimeline m_timeline;
    DatabaseEvents m_databaseEvents;
};

} // namespace Loadstar::Ui
