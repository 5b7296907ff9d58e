#pragma once

#include "analysis/DesignAnalysis.h"

#include <QAbstractTableModel>
#include <QIcon>
#include <QWidget>

class QLabel;
class QMenu;
class QPushButton;
class QStackedWidget;
class QTableView;

namespace Loadstar::Ui {

namespace Internal {

// The findings as table rows, in the analysis' order: severity (mark and
// word), the message and the nodes concerned by name; the quick fix a row
// offers is in its tooltip (and on the panel's Fix button).
class FindingsModel final : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { SeverityColumn, MessageColumn, NodesColumn, ColumnCount };

    explicit FindingsModel(QObject *parent = nullptr);

    // `names` gives each node's name (nodes it lacks are left out).
    // False (and nothing changes) when the rows would read the same.
    bool setFindings(const QList<Finding> &findings, const QHash<NodeId, QString> &names);
    const QList<Finding> &findings() const { return m_findings; }
    void setIcons(const QIcon &error, const QIcon &warning, const QIcon &info);
    // The row's cells, tab-separated.
    QString rowText(int row) const;

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QString cellText(int row, int column) const;

    QList<Finding> m_findings;
    QStringList m_nodeNames; // per row, "lb, web-01"
    QIcon m_icons[3];
};

} // namespace Internal

// The Findings panel: what the design analysis finds fragile in the drawing,
// one row per finding. Clicking a row (or Enter) shows its nodes on the
// canvas; "Fix: …" (the button, or the row's context menu) applies its quick
// fix as one undoable edit. Without findings it says so in a sentence.
class FindingsPanel final : public QWidget
{
    Q_OBJECT

public:
    explicit FindingsPanel(QWidget *parent = nullptr);

    // The findings of a drawing whose nodes `topology` names.
    void setFindings(const QList<Finding> &findings, const Topology &topology);
    const QList<Finding> &findings() const;

    int rowCount() const;
    QString rowText(int row) const;
    // The finding of the table's current row, if any.
    const Finding *currentFinding() const;
    void setCurrentRow(int row);

    QTableView *table() const { return m_table; }
    QPushButton *fixButton() const { return m_fix; }
    QLabel *emptyLabel() const { return m_empty; }
    QLabel *countLabel() const { return m_count; }
    // The context menu of `row` (what a right-click there offers).
    std::unique_ptr<QMenu> createContextMenu(int row);

signals:
    // Select and centre these nodes on the canvas.
    void nodesActivated(const QList<Loadstar::NodeId> &nodes);
    // Apply `finding`'s quick fix.
    void fixRequested(const Loadstar::Finding &finding);

protected:
    void changeEvent(QEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;

private:
    void updateIcons();
    void updateFixButton();
    void activateRow(int row);

    Internal::FindingsModel *m_model;
    QStackedWidget *m_pages;
    QTableView *m_table;
    QLabel *m_empty;
    QLabel *m_count;
    QPushButton *m_fix;
};

} // namespace Loadstar::Ui
