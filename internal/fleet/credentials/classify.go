package credentials

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
)

// Errors a member cluster's API server can answer with, as named by Classify. Test with
// errors.Is.
var (
	// ErrUnreachable: nothing answered at the server address (refused, timed out, no route).
	ErrUnreachable = errors.New("the member's API server does not answer")
	// ErrUnknownAuthority: the server's certificate is not signed by the kubeconfig's CA.
	ErrUnknownAuthority = errors.New("the member's serving certificate is not signed by the certificate authority in the kubeconfig (x509: certificate signed by unknown authority)")
	// ErrBadCertificate: the server's certificate is expired, not yet valid or for another host.
	ErrBadCertificate = errors.New("the member's serving certificate is not valid for this connection")
	// ErrUnauthorized: the server rejected the credential (401).
	ErrUnauthorized = errors.New("the member rejected the credential (401 Unauthorized): the token or client certificate is expired, revoked or invalid")
	// ErrMissing: the Secret or its kubeconfig key is missing.
	ErrMissing = errors.New("the member's kubeconfig Secret is missing")
	// ErrInvalid: the stored kubeconfig cannot be used (does not parse, no context, ...).
	ErrInvalid = errors.New("the member's stored kubeconfig is invalid")
	// ErrForbidden: the credential is valid but lacks a permission (403).
	ErrForbidden = errors.New("the member's credential lacks a permission Flotilla needs (403 Forbidden)")
)

// Classify wraps err from a call to a member's API server at server into one of the errors
// above with a hint on how to fix it. Errors it does not recognize are returned wrapped as they
// are. Classify(nil) is nil.
func Classify(err error, server string) error {
	if err == nil {
		return nil
	}
	var (
		unknownAuthority x509.UnknownAuthorityError
		hostname         x509.HostnameError
		invalid          x509.CertificateInvalidError
		netErr           net.Error
	)
	switch {
	case apierrors.IsUnauthorized(err):
		return fmt.Errorf("%w; create a new token or client certificate for the member and re-run 'flotilla join'", ErrUnauthorized)
	case apierrors.IsForbidden(err):
		return fmt.Errorf("%w: %s", ErrForbidden, apierrors.ReasonForError(err))
	case errors.As(err, &unknownAuthority):
		return fmt.Errorf("%w; check clusters[].cluster.certificate-authority-data in the kubeconfig for %s", ErrUnknownAuthority, server)
	case errors.As(err, &hostname):
		return fmt.Errorf("%w: %s; check clusters[].cluster.server or tls-server-name in the kubeconfig", ErrBadCertificate, hostname.Error())
	case errors.As(err, &invalid):
		return fmt.Errorf("%w: %s", ErrBadCertificate, invalid.Error())
	case errors.As(err, &netErr), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%w at %s (%s); check clusters[].cluster.server in the kubeconfig and that the cluster is running", ErrUnreachable, server, rootCause(err))
	}
	return fmt.Errorf("calling the member's API server at %s: %w", server, err)
}

// rootCause is the innermost error's message, e.g. "connect: connection refused".
func rootCause(err error) string {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err.Error()
		}
		err = next
	}
}

// Reason maps a classified error to the MemberCluster condition reason that describes it.
func Reason(err error) flotillav1alpha1.Reason {
	switch {
	case errors.Is(err, ErrUnauthorized):
		return flotillav1alpha1.ReasonUnauthorized
	case errors.Is(err, ErrMissing):
		return flotillav1alpha1.ReasonCredentialMissing
	case errors.Is(err, ErrUnknownAuthority), errors.Is(err, ErrBadCertificate), errors.Is(err, ErrInvalid):
		return flotillav1alpha1.ReasonCredentialInvalid
	default:
		return flotillav1alpha1.ReasonProbeFailed
	}
}
