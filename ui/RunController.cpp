#include "RunController.h"

#include "BackgroundTask.h"
#include "DatabaseActions.h"
#include "FaultActions.h"
#include "LiveSample.h"
#include "RunActions.h"
#include "ServerAdminActions.h"
#include "diagram/DiagramScene.h"
#include "document/Commands.h"
#include "document/Document.h"
#include "engine/EngineConfig.h"
#include "engine/LiveSession.h"
#include "engine/external/ExternalServers.h"
#include "engine/external/RuntimeApiClient.h"
#include "history/EventHistory.h"
#include "history/MetricsHistory.h"
#include "panels/EventLogPanel.h"

#include <algorithm>

namespace Loadstar::Ui {

namespace {

constexpr int DefaultSampleMs = 250;
constexpr int EditDelayMs = 300;

QString problemsText(const QList<Problem> &problems)
{
    QString text = problems.first().message;
    if (problems.size() == 2)
        text += RunController::tr(" (and 1 more problem; the Inspector lists them all)");
    else if (problems.size() > 2)
        text += RunController::tr(" (and %1 more problems; the Inspector lists them all)").arg(problems.size() - 1);
    return text;
}

// What starting or applying a configuration did, for the window.
struct Outcome
{
    QString error;
    QHash<QString, quint16> ports; // load balancer → the port it listens on (its TLS port with TLS)
    QStringList notices;           // "lb: TLS with a self-signed certificate made for this run"
};

Outcome outcomeOf(bool ok, QString error, LiveSession *session, const Engine::EngineConfig &config)
{
    Outcome outcome;
    outcome.error = ok ? QString() : error;
    if (ok) {
        for (const Engine::FrontendConfig &frontend : config.frontends)
            outcome.ports[frontend.name] = session->listenPort(frontend.name);
        outcome.notices = session->notices();
    }
    return outcome;
}

} // namespace

RunController::RunController(RunActions *actions, FaultActions *faults, ServerAdminActions *admin,
                             DatabaseActions *databases, EventLogPanel *events, DiagramScene *scene,
                             QObject *parent)
    : QObject(parent)
    , m_actions(actions)
    , m_faults(faults)
    , m_events(events)
    , m_scene(scene)
{
    m_control.setMaxThreadCount(1);
    m_control.setObjectName(QStringLiteral("RunControl"));
    m_sampler.setInterval(DefaultSampleMs);
    m_editDelay.setSingleShot(true);
    m_editDelay.setInterval(EditDelayMs);
    connect(&m_sampler, &QTimer::timeout, this, &RunController::requestSample);
    connect(&m_editDelay, &QTimer::timeout, this, &RunController::applyEdits);
    connect(actions, &RunActions::runRequested, this, &RunController::run);
    connect(actions, &RunActions::stopRequested, this, &RunController::stop);
    connect(faults, &FaultActions::faultRequested, this, &RunController::requestFault);
    connect(admin, &ServerAdminActions::adminRequested, this, &RunController::requestAdmin);
    connect(databases, &DatabaseActions::actionRequested, this,
            &RunController::requestDatabaseAction);
}

RunController::~RunController()
{
    // The window is closing: the last thing the session's thread does is stop it.
    m_sampler.stop();
    m_control.waitForDone();
    if (m_session)
        m_session->stop();
}

void RunController::setEventHistory(EventHistory *history)
{
    m_history = history;
}

void RunController::setMetricsHistory(MetricsHistory *history)
{
    m_metrics = history;
}

void RunController::setDocument(Document *document)
{
    if (m_document == document)
        return;
    stop();
    if (m_document)
        disconnect(m_document, nullptr, this, nullptr);
    m_document = document;
    if (!document)
        return;
    connect(document, &Document::nodeAdded, this, &RunController::documentEdited);
    connect(document, &Document::nodeChanged, this, &RunController::documentEdited);
    connect(document, &Document::nodeAboutToBeRemoved, this, &RunController::documentEdited);
    connect(document, &Document::linkAdded, this, &RunController::documentEdited);
    connect(document, &Document::linkAboutToBeRemoved, this, &RunController::documentEdited);
    connect(document, &Document::topologyReset, this, &RunController::documentEdited);
}

void RunController::run()
{
    if (m_running || !m_document)
        return;
    const Engine::CompileResult compiled = Engine::compile(m_document->topology());
    if (!compiled.problems.isEmpty()) {
        m_actions->setStatusText(tr("Can't run: %1").arg(problemsText(compiled.problems)), true);
        return;
    }
    const Engine::EngineConfig &config = compiled.config;
    if (config.frontends.isEmpty() && config.watched.isEmpty() && config.externals.isEmpty()) {
        m_actions->setStatusText(tr("Nothing to run: draw a load balancer, or a server to watch."), true);
        return;
    }

    m_running = true;
    const quint64 generation = ++m_generation;
    m_actions->setRunning(true);
    m_actions->setStatusText(tr("Starting…"));

    m_session = std::make_shared<LiveSession>(m_engineThreads);
    // Transitions come from the monitor's thread, queued to this one.
    connect(&m_session->monitor(), &Health::HealthMonitor::transition, this,
            [this, generation](const Health::HealthEvent &event) {
                if (generation == m_generation)
                    showTransition(event);
            },
            Qt::QueuedConnection);
    // So are the monitor nodes' alerts, from their thread.
    connect(&m_session->alerts(), &Monitor::AlertMonitor::alerted, this,
            [this, generation](const Monitor::Alert &alert) {
                if (generation == m_generation)
                    showAlert(alert);
            },
            Qt::QueuedConnection);
    connect(&m_session->alerts(), &Monitor::AlertMonitor::noted, this,
            [this, generation](const Monitor::MonitorNote &note) {
                if (generation == m_generation)
                    showMonitorNote(note);
            },
            Qt::QueuedConnection);
    m_session->alerts().setDocumentName(m_document->displayName());

    LiveSession *session = m_session.get();
    runInBackground(
        &m_control, this,
        [session, config] {
            QString error;
            const bool ok = session->start(config, &error);
            return outcomeOf(ok, error, session, config);
        },
        [this, generation, config](const Outcome &result) {
            if (generation != m_generation)
                return; // stopped meanwhile
            if (!result.error.isEmpty()) {
                m_running = false;
                ++m_generation;
                m_actions->setRunning(false);
                m_actions->setStatusText(tr("Could not run: %1").arg(result.error), true);
                m_session.reset(); // it never started: nothing to stop
                return;
            }
            adopt(config, result.ports, result.notices);
            m_sampler.start();
        });
}

void RunController::stop()
{
    m_editDelay.stop();
    if (!m_running)
        return;
    m_running = false;
    m_embedded.clear();
    m_frontendsOf.clear();
    m_externalSockets.clear();
    m_imported.clear();
    ++m_generation;
    m_sampler.stop();
    m_sampleInFlight = false;
    m_previous.reset();
    m_rateSamples.clear();
    m_shown.invalidate();
    m_lastRecorded = QDateTime();
    m_timeline.clear();
    m_databaseEvents.clear();
    m_ports.clear();
    m_actions->setRunning(false);
    m_actions->setStatusText(QString());
    // Stopped after whatever was asked of it before; released here, on the
    // thread that made it.
    std::shared_ptr<LiveSession> session = std::move(m_session);
    LiveSession *raw = session.get();
    runInBackground(
        &m_control, this, [raw] {
            raw->stop();
            return true;
        },
        [session](bool) {});
}

void RunController::adopt(const Engine::EngineConfig &config, const QHash<QString, quint16> &ports,
                          const QStringList &notices)
{
    m_ports = ports;
    m_notices = notices;
    m_listen.clear();
    m_tls.clear();
    for (const Engine::FrontendConfig &frontend : config.frontends) {
        m_listen[frontend.name] = frontend.bindAddress;
        if (frontend.tls.enabled)
            m_tls.insert(frontend.name);
    }
    m_embedded = embeddedServers(config);
    m_demoDatabases = int(
        std::count_if(config.databases.cbegin(), config.databases.cend(),
                      [](const Engine::DatabaseConfig &database) { return database.embedded; }));
    m_frontendsOf.clear();
    for (const Engine::FrontendConfig &frontend : config.frontends) {
        for (const Engine::ServerConfig &server : frontend.servers)
            m_frontendsOf[server.name].append(frontend.name);
    }
    m_externalSockets.clear();
    for (const Engine::ExternalHaproxyConfig &external : config.externals)
        m_externalSockets.insert(external.name, external.statsSocket);
    m_actions->setStatusText(runningText());
    requestSample();
}

QString RunController::runningText() const
{
    QStringList listeners;
    for (auto it = m_ports.cbegin(); it != m_ports.cend(); ++it)
        listeners.append((m_tls.contains(it.key()) ? tr("%1 on %2:%3 (TLS)") : tr("%1 on %2:%3"))
                             .arg(it.key(), m_listen.value(it.key())).arg(it.value()));
    listeners.sort();
    int demo = 0;
    for (bool embedded : m_embedded)
        demo += embedded ? 1 : 0;
    const qsizetype watched = m_embedded.size();
    QStringList externals = m_externalSockets.keys();
    externals.sort();
    QString text = !listeners.isEmpty() ? tr("Running — %1").arg(listeners.join(QStringLiteral(", ")))
                   : !externals.isEmpty() ? tr("Running — watching %1").arg(externals.join(QStringLiteral(", ")))
                   : watched == 1       ? tr("Running — watching 1 server")
                                        : tr("Running — watching %1 servers").arg(watched);
    if (!listeners.isEmpty() && !externals.isEmpty())
        text += tr(" · watching %1").arg(externals.join(QStringLiteral(", ")));
    if (demo == 1)
        text += tr(" · 1 demo backend");
    else if (demo > 1)
        text += tr(" · %1 demo backends").arg(demo);
    if (m_demoDatabases == 1)
        text += tr(" · 1 demo database");
    else if (m_demoDatabases > 1)
        text += tr(" · %1 demo databases").arg(m_demoDatabases);
    for (const QString &notice : m_notices)
        text += QStringLiteral(" · ") + notice;
    return text;
}

void RunController::documentEdited()
{
    if (m_running)
        m_editDelay.start();
}

void RunController::applyEdits()
{
    if (!m_running || !m_session || !m_document)
        return;
    const Engine::CompileResult compiled = Engine::compile(m_document->topology());
    if (!compiled.problems.isEmpty()) {
        m_actions->setStatusText(tr("Still running the drawing as it was: %1").arg(problemsText(compiled.problems)),
                                 true);
        return;
    }
    const Engine::EngineConfig config = compiled.config;
    const quint64 generation = m_generation;
    LiveSession *session = m_session.get();
    runInBackground(
        &m_control, this,
        [session, config] {
            QString error;
            const bool ok = session->apply(config, &error);
            return outcomeOf(ok, error, session, config);
        },
        [this, generation, config](const Outcome &result) {
            if (generation != m_generation)
                return;
            if (!result.error.isEmpty()) {
                m_actions->setStatusText(tr("Still running the drawing as it was: %1").arg(result.error), true);
                return;
            }
            adopt(config, result.ports, result.notices);
        });
}

void RunController::requestFault(const QString &node, const DemoFaultRequest &request)
{
    if (!m_running || !m_session)
        return;
    control([node, fault = request](LiveSession &session) {
        QString error;
        session.demoBackends().setFault(node, fault, &error);
        return error;
    });
}

void RunController::requestAdmin(const QString &node, const ServerAdminRequest &request)
{
    if (!m_running || !m_session)
        return;
    const QStringList frontends = m_frontendsOf.value(node);
    // A server of an external HAProxy: its Runtime API, as HAProxy names it.
    struct RuntimeTarget
    {
        QString socket;
        External::HaproxyServerRef server;
    };
    std::optional<RuntimeTarget> runtime;
    if (m_previous && m_previous->externalLoadBalancerOf.contains(node)) {
        const QString lb = m_previous->externalLoadBalancerOf.value(node);
        QString why = tr("%1 is not in %2's stats: nothing to change there.").arg(node, lb);
        for (const External::ExternalSnapshot &haproxy : std::as_const(m_previous->external)) {
            if (haproxy.loadBalancer != lb)
                continue;
            const auto matched = External::matchedServers(haproxy.stats, {node});
            if (matched.contains(node))
                runtime = RuntimeTarget{m_externalSockets.value(lb), matched.value(node)};
            else if (!haproxy.connected)
                why = tr("%1's %2: try again when they are read again.").arg(lb, haproxy.lostText());
        }
        if (runtime && runtime->socket.isEmpty())
            why = tr("%1 has no stats socket: set its Stats socket (level admin) to drain or stop its servers.").arg(lb);
        if (!runtime || runtime->socket.isEmpty()) {
            m_actions->setStatusText(why, true);
            return;
        }
    }
    control([node, request, frontends, runtime](LiveSession &session) {
        QString error;
        if (runtime) {
            // Blocking, bounded: this is the session's thread, not the window's.
            const External::RuntimeApiClient api(runtime->socket);
            const QString &backend = runtime->server.backend;
            const QString &server = runtime->server.server;
            bool ok = true;
            if (request.state) {
                const auto state = *request.state == ServerAdminRequest::State::Drain ? External::RuntimeApiClient::State::Drain
                                   : *request.state == ServerAdminRequest::State::Maint
                                       ? External::RuntimeApiClient::State::Maint
                                       : External::RuntimeApiClient::State::Ready;
                ok = api.setServerState(backend, server, state, &error);
            }
            if (ok && request.weight)
                api.setServerWeight(backend, server, *request.weight, &error);
            return error;
        }
        for (const QString &frontend : frontends) {
            Engine::Engine &engine = session.engine();
            bool ok = true;
            if (request.state) {
                const Engine::AdminState state = *request.state == ServerAdminRequest::State::Drain
                                                     ? Engine::AdminState::Drain
                                                 : *request.state == ServerAdminRequest::State::Maint
                                                     ? Engine::AdminState::Maint
                                                     : Engine::AdminState::Ready;
                ok = engine.setServerState(frontend, node, state, &error);
            }
            if (ok && request.weight)
                ok = engine.setServerWeight(frontend, node, *request.weight, &error);
            if (!ok)
                break;
        }
        return error;
    });
}

void RunController::requestDatabaseAction(const QString &node, const DatabaseActionRequest &request)
{
    if (!m_running || !m_session)
        return;
    // The fault as it stands on the servers' side now, one part changed.
    control([node, request](LiveSession &session) {
        Engine::DatabaseServers &databases = session.databaseServers();
        if (request.kind == DatabaseActionRequest::Kind::Promote)
            return databases.promote(node);
        return databases.setFault(node, request.applied(databases.fault(node)));
    });
}

bool RunController::requestFailed(const QStringList &nodes, bool failed,
                                  std::function<void(const QStringList &notDone)> done)
{
    if (!m_running || !m_session)
        return false;
    LiveSession *session = m_session.get();
    runInBackground(
        &m_control, this, [session, nodes, failed] { return session->setFailed(nodes, failed); },
        [this, done = std::move(done)](const QStringList &notDone) {
            if (done)
                done(notDone);
            requestSample();
        });
    return true;
}

void RunController::control(std::function<QString(LiveSession &)> work)
{
    LiveSession *session = m_session.get();
    const quint64 generation = m_generation;
    runInBackground(
        &m_control, this, [session, work = std::move(work)] { return work(*session); },
        [this, generation](const QString &error) {
            if (generation != m_generation)
                return;
            if (!error.isEmpty())
                m_actions->setStatusText(error, true);
            requestSample();
        });
}

void RunController::requestSample()
{
    if (!m_running || !m_session || m_sampleInFlight)
        return;
    // Snapshots are coalesced to what the canvas can paint: when a frame
    // is costly (a large drawing seen close up), the cards follow less
    // often, so painting them takes at most a quarter of the GUI thread.
    constexpr qint64 LongestPauseMs = 2000;
    if (m_scene && m_shown.isValid()
        && m_shown.elapsed() < std::min(4 * m_scene->lastFrameNs() / 1'000'000, LongestPauseMs))
        return;
    m_sampleInFlight = true;
    LiveSession *session = m_session.get();
    const quint64 generation = m_generation;
    runInBackground(
        &m_control, this,
        [session, generation] {
            RunSample sample = takeSample(*session);
            sample.generation = generation;
            return sample;
        },
        [this](const RunSample &sample) {
            if (sample.generation != m_generation)
                return;
            m_sampleInFlight = false;
            showSample(sample);
        });
}

void RunController::showSample(const RunSample &sample)
{
    // The oldest sample goes once the next one is old enough to measure from.
    constexpr qint64 RateWindowMs = 1500;
    while (m_rateSamples.size() > 1
           && m_rateSamples.at(1).time.msecsTo(sample.time) >= RateWindowMs)
        m_rateSamples.removeFirst();
    const RunSample *rateBase = m_rateSamples.isEmpty() ? nullptr : &m_rateSamples.first();
    if (m_scene)
        m_scene->setLiveStates(liveStatesOf(sample, m_embedded, rateBase));
    m_shown.start();

    const QList<NodeMetrics> figures = metricsOf(sample, rateBase);
    emit figuresSampled(figures);
    // The history keeps a row a second: enough to scroll back through, and
    // a month of a large drawing stays a reasonable file.
    if (m_metrics && (!m_lastRecorded.isValid() || m_lastRecorded.msecsTo(sample.time) >= 1000)) {
        m_metrics->record(figures);
        m_lastRecorded = sample.time;
    }
    for (const TrafficMove &move : m_timeline.sampled(sample.stats, sample.time))
        showTrafficMove(move);
    if (m_previous)
        showMasterChanges(m_previous->masters, sample);
    showExternalChanges(m_previous ? &*m_previous : nullptr, sample);
    for (const DatabaseEvents::Event &event : m_databaseEvents.sampled(sample)) {
        appendEvent(event.time, event.node, event.from, event.to, event.message, event.fine,
                    event.failover);
        if (event.failover)
            emit failedOver(event.message);
    }
    m_previous = sample;
    m_rateSamples.append(sample);
    emit sampled();
}

// A row of the timeline on the load balancer: "web-01 → web-02" and how long
// traffic took to move.
void RunController::showTrafficMove(const TrafficMove &move)
{
    const QString from = move.up ? QString() : move.server;
    const QString to = move.to.isEmpty() ? tr("no server") : move.to.join(QStringLiteral(", "));
    const bool served = !move.to.isEmpty();
    if (m_events)
        m_events->appendEvent(move.time, move.frontend, from, to, move.message, served);
    if (m_history)
        m_history->append({move.time, move.frontend, from, to, move.message, served});
}

void RunController::showAlert(const Monitor::Alert &alert)
{
    const QString message = tr("Alert from %1: %2").arg(alert.monitor, alert.summary());
    const bool fine = !alert.isProblem();
    if (m_events)
        m_events->appendEvent(alert.timestamp, alert.node, alert.previous(), alert.state(), message, fine);
    if (m_history)
        m_history->append({alert.timestamp, alert.node, alert.previous(), alert.state(), message, fine});
    emit alerted(alert);
    requestSample(); // the monitor's card counts it at once
}

void RunController::showMonitorNote(const Monitor::MonitorNote &note)
{
    const QString node = note.node.isEmpty() ? note.monitor : note.node;
    const QString message = tr("%1: %2").arg(note.monitor, note.text);
    if (m_events)
        m_events->appendEvent(note.timestamp, node, QString(), QString(), message, !note.problem);
    if (m_history)
        m_history->append({note.timestamp, node, QString(), QString(), message, !note.problem});
}

// keepalived's words: the load balancer holding a shared address is its
// MASTER; when it stops answering the next one takes the address over.
void RunController::showMasterChanges(const QHash<QString, QString> &before, const RunSample &sample)
{
    for (auto it = sample.masters.cbegin(); it != sample.masters.cend(); ++it) {
        const QString previous = before.value(it.key());
        if (!before.contains(it.key()) || previous == it.value())
            continue;
        const bool held = !it.value().isEmpty();
        const QString node = held ? it.value() : previous;
        const QString message
            = held ? (previous.isEmpty() ? tr("%1 holds %2 again").arg(it.value(), it.key())
                                         : tr("%1 took over %2 from %3, which stopped answering")
                                               .arg(it.value(), it.key(), previous))
                   : tr("%1 is held by no load balancer: %2 stopped answering and no other member answers")
                         .arg(it.key(), previous);
        const QString to = held ? QStringLiteral("MASTER") : QStringLiteral("FAULT");
        if (m_events)
            m_events->appendEvent(sample.time, node, previous, to, message, held);
        if (m_history)
            m_history->append({sample.time, node, previous, to, message, held});
    }
}

void RunController::showTransition(const Health::HealthEvent &event)
{
    m_timeline.transition(event);
    // A transition always crosses between UP and DOWN.
    const QString from = event.up ? QStringLiteral("DOWN") : QStringLiteral("UP");
    if (m_events)
        m_events->appendEvent(event.timestamp, event.server, from, event.status, event.message, event.up);
    if (m_history)
        m_history->append({event.timestamp, event.server, from, event.status, event.message, event.up});
    requestSample(); // the card follows at once, not at the next tick
}

void RunController::appendEvent(const QDateTime &time, const QString &node, const QString &from,
                                const QString &to, const QString &message, bool fine, bool notable)
{
    if (m_events)
        m_events->appendEvent(time, node, from, to, message, fine, notable);
    if (m_history)
        m_history->append({time, node, from, to, message, fine});
}

void RunController::showExternalChanges(const RunSample *before, const RunSample &sample)
{
    for (const External::ExternalSnapshot &haproxy : sample.external) {
        if (haproxy.connected && !m_imported.contains(haproxy.loadBalancer)) {
            m_imported.insert(haproxy.loadBalancer);
            importExternalServers(haproxy);
        }
        const auto previous = before ? std::find_if(before->external.cbegin(), before->external.cend(),
                                                    [&](const External::ExternalSnapshot &s) {
                                                        return s.loadBalancer == haproxy.loadBalancer;
                                                    })
                                     : sample.external.cend();
        if (!before || previous == before->external.cend())
            continue;
        if (haproxy.read && previous->connected != haproxy.connected && (previous->read || !haproxy.connected)) {
            appendEvent(sample.time, haproxy.loadBalancer, previous->connected ? tr("stats") : tr("stats lost"),
                        haproxy.connected ? tr("stats") : tr("stats lost"),
                        haproxy.connected ? tr("%1: reading stats from %2 again").arg(haproxy.loadBalancer, haproxy.source)
                                          : tr("%1: %2 (from %3); its servers' state is unknown until they are back")
                                                .arg(haproxy.loadBalancer, haproxy.lostText(), haproxy.source),
                        haproxy.connected);
        }
        if (!haproxy.connected || !previous->connected)
            continue;
        // A server's state word changing (UP, DOWN, MAINT, DRAIN…), as HAProxy
        // logs it; "UP 1/3" on the way is the card's business.
        for (const External::HaproxyBackend &backend : haproxy.stats.backends) {
            for (const External::HaproxyServer &server : backend.servers) {
                const External::HaproxyServer *then = previous->stats.server(backend.name, server.name());
                if (!then)
                    continue;
                const auto word = [](const External::HaproxyServer &s) {
                    return External::cardStatusOf(QString::fromStdString(s.row.status)).section(QLatin1Char(' '), 0, 0);
                };
                const QString from = word(*then);
                const QString to = word(server);
                if (from == to)
                    continue;
                const QString node = External::serverNodeName(haproxy.stats, backend.name, server.name());
                QString message = tr("Server %1/%2 is %3 on %4").arg(backend.name, server.name(), to, haproxy.loadBalancer);
                if (to == QLatin1String("DOWN") && !server.checkStatus.isEmpty())
                    message += server.checkInfo.isEmpty() ? tr(" (%1)").arg(server.checkStatus)
                                                          : tr(" (%1: %2)").arg(server.checkStatus, server.checkInfo);
                appendEvent(sample.time, node, from, to, message, to != QLatin1String("DOWN"));
            }
        }
    }
}

// The backends and servers an external HAProxy has that the drawing lacks
// become server nodes below it, as one undo step.
void RunController::importExternalServers(const External::ExternalSnapshot &haproxy)
{
    if (!m_document)
        return;
    const Node *lb = m_document->topology().nodeByName(haproxy.loadBalancer);
    if (!lb)
        return;
    const External::ExternalImport import = External::externalImportOf(haproxy.stats, m_document->topology(), lb->id);
    if (import.isEmpty())
        return;
    const QString summary = import.summary(haproxy.loadBalancer);
    auto *command = new AddItemsCommand(m_document, import.nodes, import.links);
    command->setText(summary);
    m_document->undoStack()->push(command);
    appendEvent(QDateTime::currentDateTimeUtc(), haproxy.loadBalancer, QString(), QString(), summary, true);
    m_actions->setStatusText(summary);
}

} // namespace Loadstar::Ui
