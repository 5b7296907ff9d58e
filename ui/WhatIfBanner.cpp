#include "WhatIfBanner.h"

#include "diagram/DiagramStyle.h"
#include "diagram/SeverityMark.h"

#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QPainter>
#include <QPainterPath>
#include <QPushButton>
#include <QVBoxLayout>

namespace Loadstar::Ui {

namespace {

constexpr int Inset = 4; // between the bar's box and its edges

} // namespace

WhatIfBanner::WhatIfBanner(QWidget *parent)
    : QWidget(parent)
    , m_icon(new QLabel(this))
    , m_text(new QLabel(this))
    , m_detail(new QLabel(this))
    , m_clear(new QPushButton(tr("Clear What-If"), this))
{
    setObjectName(QStringLiteral("whatIfBanner"));
    m_text->setObjectName(QStringLiteral("whatIfText"));
    m_text->setTextFormat(Qt::RichText);
    m_text->setWordWrap(true);
    m_detail->setObjectName(QStringLiteral("whatIfDetail"));
    m_detail->setWordWrap(true);
    m_detail->hide();
    m_clear->setObjectName(QStringLiteral("whatIfClear"));
    m_clear->setToolTip(tr("Show the drawing as it is again (Esc)"));
    m_clear->setAutoDefault(false);
    connect(m_clear, &QPushButton::clicked, this, &WhatIfBanner::clearRequested);

    auto *texts = new QVBoxLayout;
    texts->setSpacing(2);
    texts->addWidget(m_text);
    texts->addWidget(m_detail);
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(Inset + 12, Inset + 6, Inset + 6, Inset + 6);
    layout->setSpacing(10);
    layout->addWidget(m_icon, 0, Qt::AlignTop);
    layout->addLayout(texts, 1);
    layout->addWidget(m_clear, 0, Qt::AlignVCenter);

    hide();
    updateLook();
}

void WhatIfBanner::setMessage(const QString &headline, const QString &summary, const QString &detail,
                              bool severe)
{
    m_severe = severe;
    m_text->setText(QStringLiteral("<b>%1</b> %2").arg(headline.toHtmlEscaped(), summary.toHtmlEscaped()));
    m_detail->setText(detail);
    m_detail->setVisible(!detail.isEmpty());
    QStringList plain{headline, summary};
    if (!detail.isEmpty())
        plain.append(detail);
    m_plain = plain.join(QLatin1Char(' '));
    setAccessibleDescription(m_plain);
    updateLook();
}

QString WhatIfBanner::text() const
{
    return m_plain;
}

void WhatIfBanner::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange)
        updateLook();
}

void WhatIfBanner::updateLook()
{
    const Severity severity = m_severe ? Severity::Error : Severity::Info;
    m_icon->setPixmap(SeverityMark::icon(severity, palette()).pixmap(QSize(18, 18)));
    update();
}

void WhatIfBanner::paintEvent(QPaintEvent *)
{
    // The card's colours with an edge in the severity's: quiet when nobody
    // loses service, the error colour when someone does.
    const auto colors = DiagramStyle::Colors::fromPalette(palette());
    const QColor edge = SeverityMark::color(colors, m_severe ? Severity::Error : Severity::Info);
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);
    const QRectF box = QRectF(rect()).adjusted(Inset + 0.5, Inset + 0.5, -Inset - 0.5, -0.5);
    painter.setPen(QPen(DiagramStyle::mix(colors.card, edge, 0.6), 1.0));
    painter.setBrush(colors.card);
    painter.drawRoundedRect(box, 5.0, 5.0);
    // An accent bar down the left edge.
    QPainterPath bar;
    bar.addRoundedRect(QRectF(box.left(), box.top(), 10.0, box.height()), 5.0, 5.0);
    QPainterPath clip;
    clip.addRect(QRectF(box.left(), box.top(), 4.0, box.height()));
    painter.setPen(Qt::NoPen);
    painter.setBrush(edge);
    painter.drawPath(bar.intersected(clip));
}

} // namespace Loadstar::Ui
