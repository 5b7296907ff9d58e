#include "FindingsPanel.h"

#include "ui/FindingsController.h"
#include "ui/diagram/SeverityMark.h"

#include <QAction>
#include <QClipboard>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMenu>
#include <QPushButton>
#include <QStackedWidget>
#include <QTableView>
#include <QVBoxLayout>

#include <algorithm>

namespace Loadstar::Ui {

namespace Internal {

FindingsModel::FindingsModel(QObject *parent)
    : QAbstractTableModel(parent)
{
}

bool FindingsModel::setFindings(const QList<Finding> &findings, const QHash<NodeId, QString> &names)
{
    QStringList nodeNames;
    for (const Finding &finding : findings) {
        QStringList nodes;
        for (NodeId id : finding.nodes) {
            const QString name = names.value(id);
            if (!name.isEmpty() && !nodes.contains(name))
                nodes.append(name);
        }
        nodeNames.append(nodes.join(QStringLiteral(", ")));
    }
    if (findings == m_findings && nodeNames == m_nodeNames)
        return false;
    beginResetModel();
    m_findings = findings;
    m_nodeNames = std::move(nodeNames);
    endResetModel();
    return true;
}

void FindingsModel::setIcons(const QIcon &error, const QIcon &warning, const QIcon &info)
{
    m_icons[int(Severity::Error)] = error;
    m_icons[int(Severity::Warning)] = warning;
    m_icons[int(Severity::Info)] = info;
    if (!m_findings.isEmpty())
        emit dataChanged(index(0, SeverityColumn), index(rowCount() - 1, SeverityColumn), {Qt::DecorationRole});
}

QString FindingsModel::cellText(int row, int column) const
{
    const Finding &finding = m_findings.at(row);
    switch (column) {
    case SeverityColumn:
        return severityName(finding.severity);
    case NodesColumn:
        return m_nodeNames.at(row);
    case MessageColumn:
        return finding.message;
    default:
        return {};
    }
}

QString FindingsModel::rowText(int row) const
{
    if (row < 0 || row >= m_findings.size())
        return {};
    QStringList cells;
    for (int column = 0; column < ColumnCount; ++column)
        cells.append(cellText(row, column));
    return cells.join(QLatin1Char('\t'));
}

int FindingsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_findings.size());
}

int FindingsModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant FindingsModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_findings.size())
        return {};
    const Finding &finding = m_findings.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        return cellText(index.row(), index.column());
    case Qt::DecorationRole:
        if (index.column() == SeverityColumn)
            return m_icons[int(finding.severity)];
        return {};
    case Qt::ToolTipRole:
        // The whole message (the column elides it) and what fixes it.
        if (finding.fix == QuickFix::None)
            return finding.message;
        return tr("%1\nQuick fix: %2 (Fix button or right-click; Ctrl+Z takes it back)")
            .arg(finding.message, finding.fixLabel);
    default:
        return {};
    }
}

QVariant FindingsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case SeverityColumn:
        return tr("Severity");
    case NodesColumn:
        return tr("Nodes");
    case MessageColumn:
        return tr("Finding");
    default:
        return {};
    }
}

} // namespace Internal

FindingsPanel::FindingsPanel(QWidget *parent)
    : QWidget(parent)
    , m_model(new Internal::FindingsModel(this))
    , m_pages(new QStackedWidget(this))
    , m_table(new QTableView(this))
    , m_empty(new QLabel(this))
    , m_count(new QLabel(this))
    , m_fix(new QPushButton(this))
{
    setObjectName(QStringLiteral("findingsPanel"));
    m_table->setObjectName(QStringLiteral("findingsTable"));
    m_table->setModel(m_model);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setWordWrap(false);
    m_table->setShowGrid(false);
    m_table->setAlternatingRowColors(true);
    m_table->setTabKeyNavigation(false); // Tab goes on to the Fix button
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 8);
    m_table->setIconSize(QSize(16, 16));
    QHeaderView *header = m_table->horizontalHeader();
    header->setHighlightSections(false);
    header->setStretchLastSection(false);
    header->setSectionResizeMode(Internal::FindingsModel::MessageColumn, QHeaderView::Stretch);
    // The message takes what the others leave.
    const QFontMetrics metrics = m_table->fontMetrics();
    header->resizeSection(Internal::FindingsModel::SeverityColumn,
                          metrics.horizontalAdvance(tr("Warning")) + 16 + 24);
    header->resizeSection(Internal::FindingsModel::NodesColumn,
                          metrics.horizontalAdvance(QStringLiteral("db-primary, web-01")) + 12);
    m_table->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_table, &QWidget::customContextMenuRequested, this, [this](const QPoint &pos) {
        // A right-click made its row current; the menu key asks about the
        // current row, wherever the pointer is.
        const QModelIndex index = m_table->currentIndex();
        if (!index.isValid())
            return;
        const QRect row = m_table->visualRect(index);
        const QPoint at = m_table->indexAt(pos).row() == index.row() ? pos : row.bottomLeft();
        const std::unique_ptr<QMenu> menu = createContextMenu(index.row());
        menu->exec(m_table->viewport()->mapToGlobal(at));
    });
    // A click or Enter shows the finding's nodes; moving with the arrows
    // only moves the current row.
    connect(m_table, &QAbstractItemView::clicked, this,
            [this](const QModelIndex &index) { activateRow(index.row()); });
    connect(m_table, &QAbstractItemView::activated, this,
            [this](const QModelIndex &index) { activateRow(index.row()); });
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &FindingsPanel::updateFixButton);

    m_empty->setObjectName(QStringLiteral("findingsEmpty"));
    m_empty->setText(tr("No findings: nothing obvious is fragile in this drawing."));
    m_empty->setAlignment(Qt::AlignCenter);
    m_empty->setWordWrap(true);
    m_empty->setEnabled(false); // the quiet text colour
    m_pages->addWidget(m_table);
    m_pages->addWidget(m_empty);

    m_count->setObjectName(QStringLiteral("findingsCount"));
    m_fix->setObjectName(QStringLiteral("findingsFix"));
    m_fix->setAutoDefault(false);
    m_fix->setMinimumWidth(m_fix->fontMetrics().horizontalAdvance(QStringLiteral("Fix: …")) + 24);
    connect(m_fix, &QPushButton::clicked, this, [this] {
        if (const Finding *finding = currentFinding())
            emit fixRequested(*finding);
    });

    auto *bar = new QHBoxLayout;
    bar->setContentsMargins(6, 2, 2, 2);
    bar->addWidget(m_count);
    bar->addStretch();
    bar->addWidget(m_fix);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addLayout(bar);
    layout->addWidget(m_pages);
    setFocusProxy(m_table);

    updateIcons();
    setFindings({}, Topology());
}

void FindingsPanel::setFindings(const QList<Finding> &findings, const Topology &topology)
{
    // The row the user was on stays current if its finding is still there.
    const Finding *current = currentFinding();
    const QString currentCode = current ? current->code : QString();
    const QList<NodeId> currentNodes = current ? current->nodes : QList<NodeId>();

    QHash<NodeId, QString> names;
    for (const Finding &finding : findings) {
        for (NodeId id : finding.nodes) {
            if (const Node *node = topology.node(id))
                names.insert(id, node->name);
        }
    }
    if (m_model->setFindings(findings, names) && !findings.isEmpty()) {
        // Else the first row, so the Fix button says at once what it offers.
        int next = 0;
        for (int row = 0; row < findings.size(); ++row) {
            if (findings.at(row).code == currentCode && findings.at(row).nodes == currentNodes) {
                next = row;
                break;
            }
        }
        setCurrentRow(next);
    }
    m_count->setText(FindingsController::countText(findings));
    m_pages->setCurrentWidget(findings.isEmpty() ? static_cast<QWidget *>(m_empty) : m_table);
    setFocusProxy(findings.isEmpty() ? nullptr : m_table);
    updateFixButton();
}

const QList<Finding> &FindingsPanel::findings() const
{
    return m_model->findings();
}

int FindingsPanel::rowCount() const
{
    return m_model->rowCount();
}

QString FindingsPanel::rowText(int row) const
{
    return m_model->rowText(row);
}

const Finding *FindingsPanel::currentFinding() const
{
    const int row = m_table->currentIndex().row();
    return row >= 0 && row < m_model->findings().size() ? &m_model->findings().at(row) : nullptr;
}

void FindingsPanel::setCurrentRow(int row)
{
    m_table->setCurrentIndex(m_model->index(row, Internal::FindingsModel::MessageColumn));
}

std::unique_ptr<QMenu> FindingsPanel::createContextMenu(int row)
{
    auto menu = std::make_unique<QMenu>(this);
    if (row < 0 || row >= m_model->findings().size())
        return menu;
    const Finding finding = m_model->findings().at(row);
    QAction *show = menu->addAction(tr("Show on Canvas"), this, [this, row] { activateRow(row); });
    show->setObjectName(QStringLiteral("findingShow"));
    if (finding.fix != QuickFix::None) {
        QAction *fix = menu->addAction(tr("Fix: %1").arg(finding.fixLabel), this,
                                       [this, finding] { emit fixRequested(finding); });
        fix->setObjectName(QStringLiteral("findingFix"));
    }
    menu->addSeparator();
    menu->addAction(tr("Copy"), this, [this, row] {
        if (QClipboard *clipboard = QGuiApplication::clipboard())
            clipboard->setText(m_model->rowText(row) + QLatin1Char('\n'));
    });
    return menu;
}

void FindingsPanel::activateRow(int row)
{
    if (row >= 0 && row < m_model->findings().size())
        emit nodesActivated(m_model->findings().at(row).nodes);
}

void FindingsPanel::updateFixButton()
{
    const Finding *finding = currentFinding();
    const bool fixable = finding && finding->fix != QuickFix::None;
    // The button says what it will do; without a fixable row it says how to
    // get one.
    // Elided to the room beside the count, so a long label never widens
    // the dock (and with it the window's smallest size).
    const QString text = fixable ? tr("Fix: %1").arg(finding->fixLabel) : tr("Fix");
    const int padding = m_fix->sizeHint().width() - m_fix->fontMetrics().horizontalAdvance(m_fix->text());
    const int room = width() - m_count->sizeHint().width() - 24 - padding;
    m_fix->setText(m_fix->fontMetrics().elidedText(text, Qt::ElideRight, std::max(room, 0)));
    m_fix->setAccessibleName(text);
    m_fix->setToolTip(fixable ? tr("Apply this quick fix as one edit (Ctrl+Z takes it back)")
                              : tr("Pick a finding that offers a quick fix"));
    m_fix->setEnabled(fixable);
    m_fix->setVisible(!m_model->findings().isEmpty());
}

void FindingsPanel::resizeEvent(QResizeEvent *event)
{
    QWidget::resizeEvent(event);
    updateFixButton();
}

void FindingsPanel::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange)
        updateIcons();
}

void FindingsPanel::updateIcons()
{
    m_model->setIcons(SeverityMark::icon(Severity::Error, palette()),
                      SeverityMark::icon(Severity::Warning, palette()),
                      SeverityMark::icon(Severity::Info, palette()));
}

} // namespace Loadstar::Ui
