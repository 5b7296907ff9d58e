#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <thread>
#include <type_traits>

namespace Loadstar::Engine::detail {

// A thread that runs tasks one after the other, in the order they came:
// the demo databases' control thread. It lives from start() to stop(), so
// the servers it forks keep their parent-death signal armed for as long.
class TaskThread
{
public:
    TaskThread() = default;
    ~TaskThread() { stop(); }
    TaskThread(const TaskThread &) = delete;
    TaskThread &operator=(const TaskThread &) = delete;

    void start()
    {
        std::lock_guard lock(m_mutex);
        if (m_thread.joinable())
            return;
        m_ending = false;
        m_thread = std::thread([this] { loop(); });
    }
    // Runs what was queued, then ends.
    void stop()
    {
        {
            std::lock_guard lock(m_mutex);
            if (!m_thread.joinable() || isCurrent())
                return;
            m_ending = true;
        }
        m_wake.notify_all();
        m_thread.join();
        std::lock_guard lock(m_mutex);
        m_thread = std::thread();
    }
    bool isRunning() const
    {
        std::lock_guard lock(m_mutex);
        return m_thread.joinable() && !m_ending;
    }
    bool isCurrent() const { return std::this_thread::get_id() == m_id; }

    // False once stopping: the task will not run.
    bool post(std::function<void()> task)
    {
        {
            std::lock_guard lock(m_mutex);
            if (!m_thread.joinable() || m_ending)
                return false;
            m_tasks.push_back(std::move(task));
        }
        m_wake.notify_one();
        return true;
    }

    // Runs `task` on the thread and returns its result; right here when
    // called on the thread itself or when it does not run.
    template<typename Task>
    auto run(Task task) -> decltype(task())
    {
        using Result = decltype(task());
        if (isCurrent() || !isRunning())
            return task();
        std::packaged_task<Result()> packaged(std::move(task));
        std::future<Result> result = packaged.get_future();
        if (!post([&packaged] { packaged(); }))
            packaged();
        return result.get();
    }

private:
    void loop()
    {
        m_id = std::this_thread::get_id();
        std::unique_lock lock(m_mutex);
        for (;;) {
            m_wake.wait(lock, [this] { return m_ending || !m_tasks.empty(); });
            if (m_tasks.empty())
                break;
            std::function<void()> task = std::move(m_tasks.front());
            m_tasks.pop_front();
            lock.unlock();
            task();
            lock.lock();
        }
        m_id = std::thread::id();
    }

    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<std::function<void()>> m_tasks;
    std::thread m_thread;
    std::atomic<std::thread::id> m_id;
    bool m_ending = false;
};

} // namespace Loadstar::Engine::detail
