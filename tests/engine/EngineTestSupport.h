#pragma once

// Configurations and stats look-ups shared by the engine's tests.

#include "TestBackend.h"

#include "engine/Engine.h"

#include <QList>
#include <QString>

namespace Loadstar::Test {

using Engine::FrontendConfig;
using Engine::ServerConfig;
using Engine::StatsRow;

inline ServerConfig serverOn(const QString &name, quint16 port, int weight = 1, bool backup = false)
{
    ServerConfig server;
    server.name = name;
    server.address = QStringLiteral("127.0.0.1");
    server.port = port;
    server.weight = weight;
    server.backup = backup;
    return server;
}

inline ServerConfig serverOf(const TestBackend &backend, int weight = 1, bool backup = false)
{
    return serverOn(backend.name(), backend.port(), weight, backup);
}

// A frontend "web" on 127.0.0.1, on a port the system picks, with timeouts
// short enough that a test waiting for one stays quick.
inline FrontendConfig webFrontend(const QList<ServerConfig> &servers, const QString &balance = QStringLiteral("roundrobin"))
{
    FrontendConfig frontend;
    frontend.name = QStringLiteral("web");
    frontend.bindAddress = QStringLiteral("127.0.0.1");
    frontend.port = 0;
    frontend.balance = balance;
    frontend.timeoutConnect = 500;
    frontend.timeoutClient = 5000;
    frontend.timeoutServer = 5000;
    frontend.timeoutQueue = 2000;
    frontend.timeoutHttpRequest = 5000;
    frontend.timeoutHttpKeepAlive = 5000;
    frontend.servers = servers;
    return frontend;
}

inline Engine::EngineConfig configOf(const FrontendConfig &frontend)
{
    Engine::EngineConfig config;
    config.frontends.append(frontend);
    return config;
}

// A copy of one stats row; svname is empty when there is no such row.
inline StatsRow statsRow(const Engine::Engine &engine, const QString &proxy, const QString &server)
{
    const Engine::StatsSnapshot snapshot = engine.stats();
    const StatsRow *row = snapshot.find(proxy.toStdString(), server.toStdString());
    return row ? *row : StatsRow{};
}

inline StatsRow frontendRow(const Engine::Engine &engine)
{
    return statsRow(engine, QStringLiteral("web"), QStringLiteral("FRONTEND"));
}

inline StatsRow backendRow(const Engine::Engine &engine)
{
    return statsRow(engine, QStringLiteral("web"), QStringLiteral("BACKEND"));
}

inline StatsRow serverRow(const Engine::Engine &engine, const QString &server)
{
    return statsRow(engine, QStringLiteral("web"), server);
}

} // namespace Loadstar::Test
