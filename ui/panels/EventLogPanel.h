#pragma once

#include <QAbstractTableModel>
#include <QColor>
#include <QDateTime>
#include <QList>
#include <QWidget>

class QLabel;
class QTableView;
class QToolButton;

namespace Loadstar::Ui {

namespace Internal {

// The events as table rows, oldest first, at most maximumRows() of them
// (the oldest go first when there are more).
class EventLogModel final : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { TimeColumn, NodeColumn, ChangeColumn, MessageColumn, ColumnCount };

    struct Event
    {
        QDateTime time;
        QString node;
        QString from;
        QString to;
        QString message;
        bool up = true;
        bool notable = false; // a failover: bold, on a tinted row
    };

    explicit EventLogModel(QObject *parent = nullptr);

    void append(Event event);
    void clear();
    void setMaximumRows(int rows);
    int maximumRows() const { return m_maximumRows; }
    // Text colours of rows that say a node is now UP / DOWN, and the
    // background of notable rows.
    void setColors(const QColor &up, const QColor &down, const QColor &notable);
    // The row's cells, tab-separated, as copied to the clipboard.
    QString rowText(int row) const;

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    QString cellText(const Event &event, int column) const;
    void trim();

    QList<Event> m_events;
    int m_maximumRows;
    QColor m_upColor;
    QColor m_downColor;
    QColor m_notableColor;
};

} // namespace Internal

// The health events of a run, one row each: when (local time, to the
// millisecond), which node, the change of state ("UP → DOWN 1/2") and why.
// Newest at the bottom; the table follows new rows unless the user scrolled
// up to read older ones. Rows are kept up to a cap, so a long run cannot eat
// the memory. Selected rows copy as text (Ctrl+C), one line each.
class EventLogPanel final : public QWidget
{
    Q_OBJECT

public:
    static constexpr int DefaultMaximumRows = 10000;

    explicit EventLogPanel(QWidget *parent = nullptr);

    // One event: `node` went from `from` to `to` (HAProxy's words: "UP",
    // "DOWN 1/2"…); `up` says whether the node now takes traffic. A notable
    // event (a database failover) stands out: bold, on a tinted row.
    void appendEvent(const QDateTime &time, const QString &node, const QString &from,
                     const QString &to, const QString &message, bool up, bool notable = false);
    void clear();

    void setMaximumRows(int rows);
    int maximumRows() const;
    int rowCount() const;
    QString rowText(int row) const;
    // The selected rows as lines of tab-separated cells.
    QString selectedText() const;
    void copySelection() const;

    QTableView *table() const { return m_table; }
    QToolButton *clearButton() const { return m_clear; }

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    void updateColors();
    void updateCount();

    Internal::EventLogModel *m_model;
    QTableView *m_table;
    QLabel *m_count;
    QToolButton *m_clear;
    bool m_scrollPending = false;
};

} // namespace Loadstar::Ui
