#include "EventLogPanel.h"

#include "ui/diagram/DiagramStyle.h"
#include "ui/diagram/LiveState.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QFont>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QKeyEvent>
#include <QLabel>
#include <QScrollBar>
#include <QTableView>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>

namespace Loadstar::Ui {

namespace Internal {

EventLogModel::EventLogModel(QObject *parent)
    : QAbstractTableModel(parent)
    , m_maximumRows(EventLogPanel::DefaultMaximumRows)
{
}

void EventLogModel::append(Event event)
{
    const int row = int(m_events.size());
    beginInsertRows(QModelIndex(), row, row);
    m_events.append(std::move(event));
    endInsertRows();
    trim();
}

void EventLogModel::clear()
{
    beginResetModel();
    m_events.clear();
    endResetModel();
}

void EventLogModel::setMaximumRows(int rows)
{
    m_maximumRows = std::max(rows, 1);
    trim();
}

void EventLogModel::setColors(const QColor &up, const QColor &down, const QColor &notable)
{
    m_upColor = up;
    m_downColor = down;
    m_notableColor = notable;
    if (!m_events.isEmpty())
        emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1),
                         {Qt::ForegroundRole, Qt::BackgroundRole});
}

void EventLogModel::trim()
{
    const int excess = int(m_events.size()) - m_maximumRows;
    if (excess <= 0)
        return;
    beginRemoveRows(QModelIndex(), 0, excess - 1);
    m_events.remove(0, excess);
    endRemoveRows();
}

QString EventLogModel::cellText(const Event &event, int column) const
{
    switch (column) {
    case TimeColumn:
        return event.time.toLocalTime().toString(QStringLiteral("hh:mm:ss.zzz"));
    case NodeColumn:
        return event.node;
    case ChangeColumn:
        return event.from.isEmpty() ? event.to
                                    : QStringLiteral("%1 → %2").arg(event.from, event.to);
    case MessageColumn:
        return event.message;
    default:
        return {};
    }
}

QString EventLogModel::rowText(int row) const
{
    if (row < 0 || row >= m_events.size())
        return {};
    const Event &event = m_events.at(row);
    QStringList cells;
    for (int column = 0; column < ColumnCount; ++column)
        cells.append(cellText(event, column));
    return cells.join(QLatin1Char('\t'));
}

int EventLogModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_events.size());
}

int EventLogModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant EventLogModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_events.size())
        return {};
    const Event &event = m_events.at(index.row());
    if (role == Qt::DisplayRole)
        return cellText(event, index.column());
    if (role == Qt::ToolTipRole && index.column() == MessageColumn && !event.message.isEmpty())
        return event.message;
    if (event.notable && role == Qt::FontRole) {
        QFont bold;
        bold.setBold(true);
        return bold;
    }
    if (event.notable && role == Qt::BackgroundRole && m_notableColor.isValid())
        return m_notableColor;
    if (role == Qt::ForegroundRole) {
        // Green when the node now takes traffic, red when it stopped; a
        // transition under way (UP 1/3, DOWN 1/2) keeps the normal colour.
        NodeLiveState state;
        state.running = true;
        state.status = event.to;
        const HealthTone tone = healthToneOf(state);
        if (event.up && tone != HealthTone::GoingDown && m_upColor.isValid())
            return m_upColor;
        if (!event.up && tone != HealthTone::GoingUp && m_downColor.isValid())
            return m_downColor;
    }
    return {};
}

QVariant EventLogModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case TimeColumn:
        return tr("Time");
    case NodeColumn:
        return tr("Node");
    case ChangeColumn:
        return tr("Change");
    case MessageColumn:
        return tr("Message");
    default:
        return {};
    }
}

} // namespace Internal

EventLogPanel::EventLogPanel(QWidget *parent)
    : QWidget(parent)
    , m_model(new Internal::EventLogModel(this))
    , m_table(new QTableView(this))
    , m_count(new QLabel(this))
    , m_clear(new QToolButton(this))
{
    setObjectName(QStringLiteral("eventLogPanel"));
    m_table->setObjectName(QStringLiteral("eventLogTable"));
    m_table->setModel(m_model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setWordWrap(false);
    m_table->setShowGrid(false);
    m_table->setAlternatingRowColors(true);
    m_table->verticalHeader()->hide();
    // Fixed row heights: the view never measures thousands of rows.
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 6);
    QHeaderView *header = m_table->horizontalHeader();
    header->setHighlightSections(false);
    header->setStretchLastSection(true);
    const int timeWidth = m_table->fontMetrics().horizontalAdvance(QStringLiteral("00:00:00.000"));
    header->resizeSection(Internal::EventLogModel::TimeColumn, timeWidth + 16);
    header->resizeSection(Internal::EventLogModel::NodeColumn, timeWidth);
    header->resizeSection(Internal::EventLogModel::ChangeColumn, timeWidth + 24);
    m_table->installEventFilter(this);

    auto *copy = new QAction(tr("&Copy"), m_table);
    copy->setObjectName(QStringLiteral("eventLogCopy"));
    copy->setShortcut(QKeySequence::Copy);
    copy->setShortcutContext(Qt::WidgetShortcut);
    connect(copy, &QAction::triggered, this, &EventLogPanel::copySelection);
    m_table->addAction(copy);
    m_table->setContextMenuPolicy(Qt::ActionsContextMenu);

    m_clear->setObjectName(QStringLiteral("eventLogClear"));
    m_clear->setText(tr("Clear"));
    m_clear->setToolTip(tr("Remove every event from the list"));
    m_clear->setAutoRaise(true);
    connect(m_clear, &QToolButton::clicked, this, &EventLogPanel::clear);
    m_count->setObjectName(QStringLiteral("eventLogCount"));

    auto *bar = new QHBoxLayout;
    bar->setContentsMargins(6, 2, 2, 2);
    bar->addWidget(m_count);
    bar->addStretch();
    bar->addWidget(m_clear);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addLayout(bar);
    layout->addWidget(m_table);

    updateColors();
    updateCount();
}

void EventLogPanel::appendEvent(const QDateTime &time, const QString &node, const QString &from,
                                const QString &to, const QString &message, bool up, bool notable)
{
    // Follow new rows only if the user was looking at the newest ones.
    const QScrollBar *bar = m_table->verticalScrollBar();
    const bool follow = bar->value() >= bar->maximum();
    m_model->append({time, node, from, to, message, up, notable});
    updateCount();
    if (follow && !m_scrollPending) {
        // Once per burst of events, after the view has laid the rows out.
        m_scrollPending = true;
        QTimer::singleShot(0, this, [this] {
            m_scrollPending = false;
            m_table->scrollToBottom();
        });
    }
}

void EventLogPanel::clear()
{
    m_model->clear();
    updateCount();
}

void EventLogPanel::setMaximumRows(int rows)
{
    m_model->setMaximumRows(rows);
    updateCount();
}

int EventLogPanel::maximumRows() const
{
    return m_model->maximumRows();
}

int EventLogPanel::rowCount() const
{
    return m_model->rowCount();
}

QString EventLogPanel::rowText(int row) const
{
    return m_model->rowText(row);
}

QString EventLogPanel::selectedText() const
{
    QList<int> rows;
    const QModelIndexList selected = m_table->selectionModel()->selectedRows();
    for (const QModelIndex &index : selected)
        rows.append(index.row());
    std::sort(rows.begin(), rows.end());
    QStringList lines;
    for (int row : std::as_const(rows))
        lines.append(m_model->rowText(row));
    return lines.join(QLatin1Char('\n'));
}

void EventLogPanel::copySelection() const
{
    const QString text = selectedText();
    if (!text.isEmpty())
        QApplication::clipboard()->setText(text + QLatin1Char('\n'));
}

bool EventLogPanel::eventFilter(QObject *watched, QEvent *event)
{
    // The table would copy only the current cell: copy whole rows instead.
    if (watched == m_table
        && (event->type() == QEvent::ShortcutOverride || event->type() == QEvent::KeyPress)) {
        auto *key = static_cast<QKeyEvent *>(event);
        if (key->matches(QKeySequence::Copy)) {
            if (event->type() == QEvent::KeyPress)
                copySelection();
            event->accept();
            return event->type() == QEvent::KeyPress;
        }
    }
    return QWidget::eventFilter(watched, event);
}

void EventLogPanel::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange)
        updateColors();
}

void EventLogPanel::updateColors()
{
    const auto colors = DiagramStyle::Colors::fromPalette(palette());
    m_model->setColors(colors.up, colors.down,
                       DiagramStyle::mix(palette().color(QPalette::Base), colors.up, 0.18));
}

void EventLogPanel::updateCount()
{
    const int rows = m_model->rowCount();
    m_count->setText(rows == 1 ? tr("1 event") : tr("%1 events").arg(rows));
    m_clear->setEnabled(rows > 0);
}

} // namespace Loadstar::Ui
