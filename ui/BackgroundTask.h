#pragma once

#include <QMetaObject>
#include <QObject>
#include <QThreadPool>

#include <utility>

namespace Loadstar::Ui {

// Runs `work` on `pool` and then `done(result)` on `context`'s thread (the GUI
// thread), so file I/O never blocks the window. The owner of `pool` must wait
// for it (QThreadPool::waitForDone) before `context` is destroyed.
template<typename Work, typename Done>
void runInBackground(QThreadPool *pool, QObject *context, Work work, Done done)
{
    pool->start([context, work = std::move(work), done = std::move(done)]() mutable {
        auto result = work();
        QMetaObject::invokeMethod(
            context,
            [done = std::move(done), result = std::move(result)]() mutable {
                done(std::move(result));
            },
            Qt::QueuedConnection);
    });
}

} // namespace Loadstar::Ui
