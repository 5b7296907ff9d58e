#pragma once

#include "analysis/DesignAnalysis.h"

#include <QToolButton>

namespace Loadstar::Ui {

// The findings' counts in the status bar — "1 error · 2 warnings" next to
// the worst severity's mark, or "No findings" — as a flat button: clicking it
// (or Enter when it has focus) brings the Findings panel forward.
class FindingsStatusButton final : public QToolButton
{
    Q_OBJECT

public:
    explicit FindingsStatusButton(QWidget *parent = nullptr);

    void setFindings(const QList<Finding> &findings);

protected:
    void changeEvent(QEvent *event) override;

private:
    void updateIcon();

    QList<Finding> m_findings;
};

} // namespace Loadstar::Ui
