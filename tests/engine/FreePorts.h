#pragma once

#include <QHostAddress>
#include <QList>
#include <QTcpServer>

#include <memory>
#include <vector>

namespace Loadstar::Test {

// Free loopback ports, found by binding them all at once and letting go:
// tests run side by side on one machine never take a fixed port.
inline QList<quint16> freePorts(int count)
{
    std::vector<std::unique_ptr<QTcpServer>> servers;
    QList<quint16> ports;
    for (int i = 0; i < count; ++i) {
        servers.push_back(std::make_unique<QTcpServer>());
        if (!servers.back()->listen(QHostAddress::LocalHost, 0))
            qFatal("no free port");
        ports.append(servers.back()->serverPort());
    }
    return ports;
}

} // namespace Loadstar::Test
