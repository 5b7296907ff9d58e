#pragma once

#include <QWidget>

class QLabel;
class QPushButton;

namespace Loadstar::Ui {

// A bar above the canvas while a what-if is shown: what was failed, which
// clients lose service, and a button to clear it. Hidden otherwise.
class WhatIfBanner final : public QWidget
{
    Q_OBJECT

public:
    explicit WhatIfBanner(QWidget *parent = nullptr);

    // `headline` in bold ("What if lb fails?"), `summary` beside it, `detail`
    // on a second line (what the run did, when running); `severe` when a
    // client loses service: the bar then takes the error colour.
    void setMessage(const QString &headline, const QString &summary, const QString &detail, bool severe);
    QString text() const; // everything it says, as plain text
    bool isSevere() const { return m_severe; }

    QPushButton *clearButton() const { return m_clear; }

signals:
    void clearRequested();

protected:
    void changeEvent(QEvent *event) override;
    void paintEvent(QPaintEvent *event) override;

private:
    void updateLook();

    QLabel *m_icon;
    QLabel *m_text;
    QLabel *m_detail;
    QPushButton *m_clear;
    QString m_plain;
    bool m_severe = false;
};

} // namespace Loadstar::Ui
