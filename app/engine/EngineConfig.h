#pragma once

#include "model/Validator.h"

#include <QList>
#include <QString>

namespace Loadstar::Engine {

// The engine never reads the model: a topology is compiled into these plain
// values, which the engine applies as a whole. The same values are what an
// HAProxy configuration is written from, so names follow HAProxy's.

struct CheckConfig
{
    QString type; // "none", "tcp", "http", "mysql", "pgsql"
    int inter = 2000;
    int fastinter = 2000;
    int downinter = 2000;
    int rise = 2;
    int fall = 3;
    int timeout = 2000;
    QString httpPath;   // http checks only
    int expectLow = 0;  // http checks only: accepted status range
    int expectHigh = 0;

    bool operator==(const CheckConfig &) const = default;
};

struct ServerConfig
{
    QString name;
    QString address;
    quint16 port = 0;
    int weight = 1;
    bool backup = false;
    int maxconn = 0;
    CheckConfig check;

    bool operator==(const ServerConfig &) const = default;
};

struct FrontendConfig
{
    enum class Mode { Http, Tcp };

    QString name; // the load balancer's node name
    QString bindAddress;
    quint16 port = 0;
    Mode mode = Mode::Http;
    QString balance; // "roundrobin", "static-rr", "leastconn", "source", "first", "random"
    bool allbackups = false;
    int maxconn = 0;
    int retries = 3;
    bool redispatch = false;
    int timeoutConnect = 5000;
    int timeoutClient = 50000;
    int timeoutServer = 50000;
    int timeoutQueue = 5000;
    int timeoutHttpRequest = 10000;  // a whole request head must arrive within this (408)
    int timeoutHttpKeepAlive = 10000; // idle time allowed between two requests
    QList<ServerConfig> servers; // in link order, active and backup together

    bool operator==(const FrontendConfig &) const = default;
};

struct EngineConfig
{
    QList<FrontendConfig> frontends;

    bool operator==(const EngineConfig &) const = default;
};

struct CompileResult
{
    EngineConfig config;
    // Not empty when the topology cannot run as drawn; config is then empty.
    QList<Problem> problems;
};

// One frontend per load balancer, with a server per web server, app server
// or database it links to.
CompileResult compile(const Topology &topology);

} // namespace Loadstar::Engine
