package console

import (
	"context"
	"crypto/sha256"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/clock"
)

// SessionCookie holds the bearer token of a console session (HttpOnly, SameSite=Strict): the
// backend keeps no sessions, so a restart signs nobody out.
const SessionCookie = "flotilla_session"

// ConsoleHeader must be on every cookie-authenticated request that changes something: a
// cross-site page cannot set it without a CORS preflight the backend never answers.
const ConsoleHeader = "X-Flotilla-Console"

// User is who a request acts as: the hub's answer to its token.
type User struct {
	Name   string              `json:"user"`
	UID    string              `json:"-"`
	Groups []string            `json:"groups"`
	Extra  map[string][]string `json:"-"`
	token  string
	cookie bool
}

// errNoToken: the request carries no token at all.
var errNoToken = errors.New("no token: send Authorization: Bearer <token> or sign in")

// authenticator checks tokens with the hub's TokenReview API, remembering answers for a short
// while (a token revoked in the hub stops working within cacheFor).
type authenticator struct {
	hub      kubernetes.Interface
	clock    clock.PassiveClock
	cacheFor time.Duration

	mu    sync.Mutex
	cache map[[sha256.Size]byte]cachedReview
}

type cachedReview struct {
	user    *User
	err     error
	expires time.Time
}

// token reads a request's bearer token: the Authorization header first, then the session cookie.
func token(r *http.Request) (string, bool, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		t, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || strings.TrimSpace(t) == "" {
			return "", false, errors.New("the Authorization header must be `Bearer <token>`")
		}
		return strings.TrimSpace(t), false, nil
	}
	if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
		return c.Value, true, nil
	}
	return "", false, errNoToken
}

// authenticate returns the user a token belongs to, or an error (401).
func (a *authenticator) authenticate(ctx context.Context, tok string) (*User, error) {
	key := sha256.Sum256([]byte(tok))
	now := a.clock.Now()
	a.mu.Lock()
	if c, ok := a.cache[key]; ok && now.Before(c.expires) {
		a.mu.Unlock()
		return c.user, c.err
	}
	a.mu.Unlock()
	tr, err := a.hub.AuthenticationV1().TokenReviews().Create(ctx, &authenticationv1.TokenReview{Spec: authenticationv1.TokenReviewSpec{Token: tok}}, metav1CreateOptions)
	if err != nil {
		return nil, err // the hub did not answer: not cached, 503
	}
	var u *User
	var reviewErr error
	if !tr.Status.Authenticated {
		reviewErr = errors.New("the hub does not accept this token")
		if tr.Status.Error != "" {
			reviewErr = errors.New("the hub does not accept this token: " + tr.Status.Error)
		}
	} else {
		extra := map[string][]string{}
		for k, v := range tr.Status.User.Extra {
			extra[k] = v
		}
		u = &User{Name: tr.Status.User.Username, UID: tr.Status.User.UID, Groups: tr.Status.User.Groups, Extra: extra, token: tok}
	}
	a.mu.Lock()
	if len(a.cache) > 10000 {
		a.cache = map[[sha256.Size]byte]cachedReview{}
	}
	a.cache[key] = cachedReview{user: u, err: reviewErr, expires: now.Add(a.cacheFor)}
	a.mu.Unlock()
	return u, reviewErr
}

// allowed asks the hub whether user may do verb on resource (group flotilla.dev unless set).
func allowed(ctx context.Context, hub kubernetes.Interface, u *User, verb, group, resource, namespace string) (bool, string, error) {
	extra := map[string]authorizationv1.ExtraValue{}
	for k, v := range u.Extra {
		extra[k] = v
	}
	sar, err := hub.AuthorizationV1().SubjectAccessReviews().Create(ctx, &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
		User: u.Name, UID: u.UID, Groups: u.Groups, Extra: extra,
		ResourceAttributes: &authorizationv1.ResourceAttributes{Verb: verb, Group: group, Resource: resource, Namespace: namespace},
	}}, metav1CreateOptions)
	if err != nil {
		return false, "", err
	}
	return sar.Status.Allowed, sar.Status.Reason, nil
}
