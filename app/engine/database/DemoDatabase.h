#pragma once

#include "DatabaseEngine.h"
#include "DatabaseServerStatus.h"

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

namespace Loadstar::Engine::detail {

// One database of a run: for a demo database, its server process, the plan
// it runs by and what was last read of it. A watcher thread of its own sees
// the process exit at once (its pidfd) and reads the server's state every
// status interval over an admin connection with short timeouts, so a server
// that hangs delays nobody else's status; a SIGSTOPped server is not even
// asked. `changed` is called on that thread after each reading.
//
// Thread-safe. launch() must run on the servers' thread (a child's
// parent-death signal is bound to the thread that forked it).
class DemoDatabase
{
public:
    // Admin connections and readings give up after this: a hung server
    // costs its own watcher one second, nobody else anything.
    static constexpr int AdminTimeoutMs = 1000;

    // A database Loadstar does not run: listed, state Failed.
    DemoDatabase(const DatabaseConfig &config, const QString &message);
    // A demo database, Starting until launched.
    DemoDatabase(std::shared_ptr<const DatabaseEngine> engine, const ServerPlan &plan,
                 int statusIntervalMs, std::function<void()> changed);
    ~DemoDatabase(); // ends the watcher and the process
    DemoDatabase(const DemoDatabase &) = delete;
    DemoDatabase &operator=(const DemoDatabase &) = delete;

    QString name() const;
    bool isDemo() const { return m_engine != nullptr; }
    const DatabaseEngine *engine() const { return m_engine.get(); }
    ServerPlan plan() const;
    void setPlan(const ServerPlan &plan);

    // The status as last read, without role and source (the cluster's
    // business); `reading` gets the last reading, when one came.
    DatabaseServerStatus status(std::optional<ServerReading> *reading = nullptr) const;
    void fail(const QString &message);
    DatabaseFault fault() const;
    void setFault(const DatabaseFault &fault);

    // Starts the server from its data directory; it is Starting until it
    // answers. False with a sentence (also in its status).
    bool launch(QString *error);
    // Reads its state now rather than at the next interval.
    void refresh() { wake(); }
    // Waits until it answers (Running), stops or the time is up.
    bool waitUntilRunning(int timeoutMs) const;
    bool isRunning() const;
    bool isHung() const;

    // SIGKILL of its processes; Stopped, without a message.
    void kill();
    bool setHung(bool hung);
    // The engine's stop signal, SIGKILL after `graceMs`; for stop().
    void beginStop();
    void finishStop(int graceMs);

    // A fresh administrator's connection; nullptr with a sentence.
    std::unique_ptr<AdminSession> admin(int timeoutMs, QString *error) const;
    // After a promotion or fencing changed its role, until the next reading.
    void noteReadOnly(bool readOnly);
    // Why it does not replicate when the server itself says nothing.
    void setReplicationNote(const QString &note);

private:
    void watch();
    void exited(const std::shared_ptr<ServerProcess> &process);
    void wake();
    QString exitMessage(const QString &logError, const QString &how) const;

    const std::shared_ptr<const DatabaseEngine> m_engine;
    const int m_intervalMs = 500;
    const std::function<void()> m_changed;

    mutable std::mutex m_mutex;
    mutable std::condition_variable m_stateChanged;
    ServerPlan m_plan;
    DatabaseServerStatus m_status;
    std::optional<ServerReading> m_reading;
    quint64 m_generation = 0; // bumped when the role changes under a reading
    QString m_replicationNote;
    std::shared_ptr<ServerProcess> m_process;
    bool m_exitExpected = false;
    bool m_stopping = false;
    int m_wakeFd = -1;
    std::thread m_watcher;
};

} // namespace Loadstar::Engine::detail
