#pragma once

#include <QByteArray>
#include <QList>
#include <QSslCertificate>
#include <QSslKey>
#include <QString>
#include <QStringList>

#include <optional>

namespace Loadstar::Engine {

// A certificate and its key in PEM, as files hold them.
struct PemPair
{
    QByteArray certificate;
    QByteArray key;
};

// What a TLS listener presents: its certificate (then any intermediates
// from the same file) and the private key that belongs to it. Qt's objects,
// so a QSslConfiguration takes them as they are.
struct TlsIdentity
{
    QList<QSslCertificate> chain; // never empty for a loaded identity
    QSslKey key;

    QSslCertificate certificate() const { return chain.value(0); }
    bool operator==(const TlsIdentity &) const = default;
};

// A self-signed certificate for a demo: an EC P-256 key, X.509 v3 signed
// with SHA-256, CN = `commonName`, a subjectAltName with each of `hosts` (an
// IP entry for an address, a DNS entry for a name), valid from a minute ago
// for `days` days. No keyUsage: with one, a certificate must also allow
// keyCertSign to count as signed by itself. OpenSSL's libcrypto makes the key and signs: no crypto is
// written here. Nothing on failure, with the reason in *error.
std::optional<PemPair> makeSelfSignedCertificate(const QString &commonName, const QStringList &hosts, int days,
                                                 QString *error = nullptr);

// The identity in PEM text: the certificate(s), and the key from `key` or,
// when that is empty, from the certificate text (HAProxy's crt file may hold
// both). Checks that the key belongs to the certificate. *error says what is
// wrong, starting with what is wrong with it ("is not a PEM certificate")
// so callers can name the file.
std::optional<TlsIdentity> tlsIdentityFromPem(const PemPair &pem, QString *error = nullptr);

// Reads the files of a load balancer's TLS: `owner` is its name, for the
// one sentence an error makes ("lb: can't read the TLS certificate
// /x/y.crt: No such file or directory"). An empty `keyPath` reads the key
// from the certificate file.
std::optional<TlsIdentity> loadTlsIdentity(const QString &owner, const QString &certificatePath,
                                           const QString &keyPath, QString *error = nullptr);

// Writes a pair to two files, the key readable by its owner only (0600).
bool writePemPair(const PemPair &pem, const QString &certificatePath, const QString &keyPath,
                  QString *error = nullptr);

} // namespace Loadstar::Engine
