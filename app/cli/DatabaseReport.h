#pragma once

#include <QString>

#include <atomic>
#include <thread>

namespace Loadstar {
class LiveSession;
}

namespace Loadstar::Cli {

// What `loadstar run` says of the demo databases: a line each once they
// run (or why one can't), then each failover as it completes, with what it
// cost — the sentence the Events panel shows. The watching runs on a thread
// of its own while the main thread waits for a stop signal.
class DatabaseReport
{
public:
    DatabaseReport(LiveSession &session, QString command);
    ~DatabaseReport(); // stops watching
    DatabaseReport(const DatabaseReport &) = delete;
    DatabaseReport &operator=(const DatabaseReport &) = delete;

    // One line per database; call once the session has started.
    void printServers();
    // Failovers as they complete, until destroyed.
    void watch();

private:
    void watchLoop();

    LiveSession &m_session;
    QString m_command;
    std::atomic<bool> m_stopping{false};
    std::thread m_thread;
};

} // namespace Loadstar::Cli
