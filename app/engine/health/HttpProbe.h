#pragma once

#include "ConnectionProbe.h"

namespace Loadstar::Health {

// "http" and "https": HAProxy's option httpchk — one HTTP/1.0 request with
// Connection: close; a status within [expectLow, expectHigh] passes (L7OK),
// another fails (L7STS); with expectBody the body must contain it (L7RSP
// otherwise). https first needs a good certificate, as the "tls" check.
class HttpProbe : public ConnectionProbe
{
    Q_OBJECT
public:
    enum class Scheme { Http, Https };

    explicit HttpProbe(Scheme scheme, QObject *parent = nullptr);

protected:
    Transport transport() const override;
    void onReady() override;
    void onData() override;
    void onClosed() override;
    // The verdict is in: the rest of the answer is not waited for, and no
    // TIME_WAIT is left behind (HAProxy's checks close without lingering too).
    bool resetsConnection() const override { return true; }

private:
    QByteArray request() const;
    // The verdict on the body once complete (or closed): does it contain expectBody?
    void judgeBody(bool complete);

    Scheme m_scheme;
    int m_headEnd = -1;          // offset of the body in buffer(), once the head is in
    qint64 m_contentLength = -1; // -1: until the server closes
};

} // namespace Loadstar::Health
