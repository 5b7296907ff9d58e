// One demo backend on 127.0.0.1:PORT, as `loadstar` runs it for an embedded
// web server node, until SIGINT or SIGTERM; run.sh points wrk at it.
//   demo_backend_server PORT [NAME]

#include "engine/demo/DemoBackends.h"

#include <csignal>
#include <cstdio>
#include <cstdlib>

using namespace Loadstar::Engine;

int main(int argc, char **argv)
{
    if (argc < 2) {
        std::fprintf(stderr, "usage: demo_backend_server PORT [NAME]\n");
        return 2;
    }
    // Blocked before the worker thread starts, so only sigwait() sees them.
    sigset_t stopSignals;
    sigemptyset(&stopSignals);
    sigaddset(&stopSignals, SIGINT);
    sigaddset(&stopSignals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);

    ServerConfig server;
    server.name = argc > 2 ? QString::fromLocal8Bit(argv[2]) : QStringLiteral("web-01");
    server.address = QStringLiteral("127.0.0.1");
    server.port = quint16(std::atoi(argv[1]));
    server.embedded = true;
    EngineConfig config;
    config.watched.append(server);

    DemoBackends demo;
    QString error;
    if (!demo.start(config, &error)) {
        std::fprintf(stderr, "%s\n", qPrintable(error));
        return 1;
    }
    std::printf("%s listening on 127.0.0.1:%u\n", qPrintable(server.name), unsigned(demo.port(server.name)));
    std::fflush(stdout);
    int received = 0;
    sigwait(&stopSignals, &received);
    const DemoBackendStats stats = demo.stats().first();
    std::printf("%llu requests answered\n", static_cast<unsigned long long>(stats.answered));
    return 0;
}
