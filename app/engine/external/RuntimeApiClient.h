#pragma once

#include <QString>

#include <optional>

namespace Loadstar::External {

// HAProxy's stats socket (its Runtime API), one command per connection as
// HAProxy answers in non-interactive mode: connect, send the command, read
// the answer until HAProxy closes. The socket is a Unix socket path
// ("/run/haproxy/admin.sock") or a TCP address ("127.0.0.1:9999",
// "[::1]:9999"), as `stats socket` binds either.
//
// Blocking, each step bounded by the timeout: call it from a worker thread,
// never from the GUI's.
class RuntimeApiClient
{
public:
    explicit RuntimeApiClient(QString socket, int timeoutMs = 3000);

    QString socket() const { return m_socket; }

    // HAProxy's whole answer to one command; null, and *error says why in one
    // sentence, when the socket could not be reached or did not answer.
    std::optional<QByteArray> send(const QString &command, QString *error = nullptr) const;

    // `show stat`: the statistics CSV.
    std::optional<QByteArray> showStat(QString *error = nullptr) const;

    // Runtime actions on a server. HAProxy answers nothing when one is done;
    // anything else it says is the error ("No such server.").
    enum class State { Ready, Drain, Maint };
    bool setServerState(const QString &backend, const QString &server, State state, QString *error = nullptr) const;
    bool setServerWeight(const QString &backend, const QString &server, int weight, QString *error = nullptr) const;
    bool disableServer(const QString &backend, const QString &server, QString *error = nullptr) const;
    bool enableServer(const QString &backend, const QString &server, QString *error = nullptr) const;

    // How HAProxy names a state in `set server … state`.
    static QString stateWord(State state);

private:
    // Sends a command that answers nothing when it works.
    bool act(const QString &command, QString *error) const;

    QString m_socket;
    int m_timeoutMs;
};

} // namespace Loadstar::External
