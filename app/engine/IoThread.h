#pragma once

#include <asio.hpp>

#include <future>
#include <memory>
#include <optional>
#include <thread>
#include <type_traits>

namespace Loadstar::Engine::detail {

// One io_context on a thread of its own, for the parts beside the data path
// (demo backends, the traffic generator): built, run, asked to do things and
// ended the same way by each.
class IoThread
{
public:
    // A fresh io_context, before the thread starts (things can listen on it).
    asio::io_context &createIo()
    {
        io = std::make_unique<asio::io_context>(1);
        return *io;
    }
    void startThread()
    {
        work.emplace(io->get_executor());
        thread = std::thread([context = io.get()] { context->run(); });
    }
    bool threadRunning() const { return thread.joinable(); }

    // Runs `task` on the thread and waits for its result; right here while
    // the thread isn't running yet.
    template<typename Task>
    auto run(Task task) -> decltype(task())
    {
        if (!thread.joinable())
            return task();
        // Not a packaged_task: Asio takes one for a completion token.
        using Result = decltype(task());
        std::promise<Result> promise;
        asio::post(*io, [&task, &promise] {
            if constexpr (std::is_void_v<Result>) {
                task();
                promise.set_value();
            } else {
                promise.set_value(task());
            }
        });
        return promise.get_future().get();
    }

    // Runs `abort` on the thread (it closes every socket and timer), lets the
    // loop run the aborted handlers to its end and joins.
    template<typename Abort>
    void stopThread(Abort abort)
    {
        run(abort);
        work.reset();
        thread.join();
    }

    std::unique_ptr<asio::io_context> io;

private:
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
    std::thread thread;
};

} // namespace Loadstar::Engine::detail
