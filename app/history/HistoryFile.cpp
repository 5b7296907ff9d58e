#include "HistoryFile.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QSqlError>
#include <QSqlQuery>
#include <QUuid>

namespace Loadstar {

HistoryFile::HistoryFile(QObject *owner, const QString &what, std::function<void()> write)
    : m_what(what)
    , m_connection(
          QStringLiteral("loadstar-history-%1").arg(QUuid::createUuid().toString(QUuid::Id128)))
    , m_timer(owner)
{
    m_timer.setSingleShot(true);
    m_timer.setInterval(BatchMs);
    QObject::connect(&m_timer, &QTimer::timeout, owner, std::move(write));
}

HistoryFile::~HistoryFile()
{
    close();
}

QString HistoryFile::open(const QString &path,
                          const std::function<QString(QSqlDatabase &)> &prepare)
{
    close();
    QString error;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connection);
        db.setDatabaseName(path);
        // Two windows (or two test programs) may open the same file at
        // once: wait for the other's lock instead of failing.
        db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=5000"));
        const QFileInfo file(path);
        if (!QDir().mkpath(file.absolutePath()))
            error = QCoreApplication::translate("HistoryFile", "cannot create the folder %1")
                        .arg(file.absolutePath());
        else if (!db.open())
            error = db.lastError().text();
        else
            error = prepare(db);
    }
    if (!error.isEmpty()) {
        QSqlDatabase::removeDatabase(m_connection);
        return QCoreApplication::translate("HistoryFile", "The %1 %2 cannot be used: %3")
            .arg(m_what, QDir::toNativeSeparators(path), error);
    }
    m_open = true;
    return QString();
}

void HistoryFile::close()
{
    m_timer.stop();
    if (!m_open)
        return;
    m_open = false;
    QSqlDatabase::database(m_connection).close();
    QSqlDatabase::removeDatabase(m_connection);
}

QSqlDatabase HistoryFile::database() const
{
    return QSqlDatabase::database(m_connection);
}

void HistoryFile::scheduleWrite()
{
    if (!m_timer.isActive())
        m_timer.start();
}

QString pruneHistory(QSqlDatabase &db, int retentionDays)
{
    const qint64 cutoff
        = QDateTime::currentDateTimeUtc().addDays(-retentionDays).toMSecsSinceEpoch();
    const QStringList present = db.tables();
    for (const QString &table : {QStringLiteral("events"), QStringLiteral("metrics")}) {
        if (!present.contains(table))
            continue;
        QSqlQuery query(db);
        query.prepare(QStringLiteral("DELETE FROM %1 WHERE time_ms < ?").arg(table));
        query.addBindValue(cutoff);
        if (!query.exec())
            return query.lastError().databaseText();
    }
    return QString();
}

QString csvCell(const QString &text)
{
    if (!text.contains(QLatin1Char(',')) && !text.contains(QLatin1Char('"'))
        && !text.contains(QLatin1Char('\n')) && !text.contains(QLatin1Char('\r'))) {
        return text;
    }
    return QLatin1Char('"') + QString(text).replace(QLatin1Char('"'), QStringLiteral("\"\""))
           + QLatin1Char('"');
}

HistoryThread::HistoryThread(QObject *writer, const QString &name)
    : m_writer(writer)
{
    m_thread.setObjectName(name);
    m_writer->moveToThread(&m_thread);
    QObject::connect(&m_thread, &QThread::finished, m_writer, &QObject::deleteLater);
    m_thread.start();
}

HistoryThread::~HistoryThread()
{
    // What was posted runs first (calls are delivered in order): quit()
    // alone would end the thread with the last record() still queued.
    wait([] {});
    m_thread.quit();
    m_thread.wait();
}

} // namespace Loadstar
