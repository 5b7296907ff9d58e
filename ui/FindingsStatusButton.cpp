#include "FindingsStatusButton.h"

#include "FindingsController.h"
#include "diagram/SeverityMark.h"

#include <QEvent>

namespace Loadstar::Ui {

FindingsStatusButton::FindingsStatusButton(QWidget *parent)
    : QToolButton(parent)
{
    setObjectName(QStringLiteral("findingsStatus"));
    setAutoRaise(true);
    setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    setIconSize(QSize(14, 14));
    setFocusPolicy(Qt::TabFocus);
    setToolTip(tr("What the design analysis finds fragile: click to show the Findings panel"));
    setFindings({});
}

void FindingsStatusButton::setFindings(const QList<Finding> &findings)
{
    m_findings = findings;
    setText(FindingsController::countText(findings));
    updateIcon();
}

void FindingsStatusButton::changeEvent(QEvent *event)
{
    QToolButton::changeEvent(event);
    if (event->type() == QEvent::PaletteChange)
        updateIcon();
}

void FindingsStatusButton::updateIcon()
{
    setIcon(m_findings.isEmpty() ? QIcon() : SeverityMark::icon(SeverityMark::worst(m_findings), palette()));
}

} // namespace Loadstar::Ui
