#pragma once

#include "Engine.h"
#include "Runtime.h"
#include "Stats.h"

#include <QString>

#include <map>
#include <mutex>

namespace Loadstar::Engine {

// Engine's implementation: the workers, the frontends of the configuration
// that runs, and the counters that outlive configurations. Its mutex guards
// the frontend list; the data path never takes it.
class EngineCore
{
public:
    explicit EngineCore(int threads);
    ~EngineCore();

    bool start(const EngineConfig &config, QString *error);
    bool apply(const EngineConfig &config, QString *error);
    void stop();
    bool isRunning() const;
    quint16 listenPort(const QString &frontend) const;
    bool setFrontendListening(const QString &frontend, bool listening, QString *error);
    bool admitRelayed(const QString &frontend, const QHostAddress &source);

    bool setServerState(const QString &frontend, const QString &server, AdminState state, QString *error);
    bool setServerWeight(const QString &frontend, const QString &server, int weight, QString *error);
    bool setServerHealth(const QString &frontend, const QString &server, bool up, QString *error);
    void setObservationHandler(ObservationHandler handler) { m_observations->setHandler(std::move(handler)); }

    StatsSnapshot stats() const;
    bool startStats(const QString &address, quint16 port, QString *error);
    quint16 statsPort() const;
    void addControlPage(const QString &path, Engine::ControlHandler handler);
    // The handler for an extra page, or none.
    Engine::ControlHandler controlPage(const QString &path) const;

private:
    struct Frontend
    {
        QString name;
        QString bindAddress;
        quint16 configuredPort = 0;
        std::shared_ptr<detail::FrontendShared> shared;
        std::shared_ptr<detail::Backend> backend;
    };

    std::shared_ptr<detail::StatsNode> statsNode(const std::string &proxy, const std::string &server);
    std::shared_ptr<detail::Backend> findBackend(const QString &frontend, const QString &server, int &index,
                                                 QString *error) const;
    // Runs `task` on every worker's thread.
    template<typename Task>
    void onEveryWorker(Task task);

    const int m_threads;
    mutable std::mutex m_mutex;
    std::vector<std::unique_ptr<detail::Worker>> m_workers;
    std::vector<Frontend> m_frontends;
    std::map<std::pair<std::string, std::string>, std::shared_ptr<detail::StatsNode>> m_statsNodes;
    quint16 m_statsPort = 0;
    std::map<QString, Engine::ControlHandler> m_controlPages; // under m_mutex
    std::shared_ptr<detail::ObservationHub> m_observations = std::make_shared<detail::ObservationHub>();
};

} // namespace Loadstar::Engine
