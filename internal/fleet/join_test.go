package fleet_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	flotillav1alpha1 "flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/fleet/credentials"
	"flotilla.dev/flotilla/internal/fleet/join"
	"flotilla.dev/flotilla/test/poll"
)

const badToken = "flotilla-test-token-0123456789abcdef"

// withCredential rewrites a kubeconfig's first user and cluster.
func withCredential(t *testing.T, kubeconfig []byte, edit func(server *string, ca *[]byte, token *string, cert, key *[]byte)) []byte {
	t.Helper()
	cfg, err := clientcmd.Load(kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cfg.Clusters {
		for _, u := range cfg.AuthInfos {
			edit(&c.Server, &c.CertificateAuthorityData, &u.Token, &u.ClientCertificateData, &u.ClientKeyData)
		}
	}
	out, err := clientcmd.Write(*cfg)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// assertNothingCreated checks that a failed join left no Secret and no MemberCluster.
func assertNothingCreated(ctx context.Context, t *testing.T, hub client.Client, name string) {
	t.Helper()
	err := hub.Get(ctx, client.ObjectKey{Name: name}, &flotillav1alpha1.MemberCluster{})
	if !apierrors.IsNotFound(err) {
		t.Errorf("MemberCluster %s after a failed join: %v", name, err)
	}
	err = hub.Get(ctx, client.ObjectKey{Namespace: flotillav1alpha1.SystemNamespace, Name: credentials.SecretName(name)}, &corev1.Secret{})
	if !apierrors.IsNotFound(err) {
		t.Errorf("Secret of %s after a failed join: %v", name, err)
	}
}

func TestJoinRefusesBadInputAndLeavesNothingBehind(t *testing.T) {
	ctx := context.Background()
	hubEnv, hubCfg := startEnv(t, true)
	hub := hubClient(t, hubCfg)
	m := startMember(t)
	good := m.kubeconfig(t, "")
	_ = hubEnv

	weak, err := m.env.AddUser(envtest.User{Name: "nobody"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	weakConfig, err := weak.KubeConfig()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		opts       join.Options
		want       error
		mentioning string
	}{
		{"non-DNS name", join.Options{Name: "Member_1", Kubeconfig: good}, join.ErrInvalidName, "Member_1"},
		{"missing context", join.Options{Name: "ctx", Kubeconfig: good, Context: "nope"}, join.ErrContextNotFound, "nope"},
		{"unreachable server", join.Options{Name: "dead", Kubeconfig: withCredential(t, good, func(s *string, _ *[]byte, _ *string, _, _ *[]byte) {
			*s = "https://127.0.0.1:1"
		}), Timeout: 5 * time.Second}, credentials.ErrUnreachable, "127.0.0.1:1"},
		{"wrong CA", join.Options{Name: "wrong-ca", Kubeconfig: withCredential(t, good, func(_ *string, ca *[]byte, _ *string, _, _ *[]byte) {
			*ca = hubCfg.CAData
		})}, credentials.ErrUnknownAuthority, "certificate-authority-data"},
		{"invalid token", join.Options{Name: "bad-token", Kubeconfig: withCredential(t, good, func(_ *string, _ *[]byte, tok *string, cert, key *[]byte) {
			*tok, *cert, *key = badToken, nil, nil
		})}, credentials.ErrUnauthorized, "401"},
		{"missing permissions", join.Options{Name: "weak", Kubeconfig: weakConfig}, join.ErrInsufficientPermissions, "create deployments.apps"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := join.Join(ctx, hub, tt.opts)
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.mentioning) {
				t.Fatalf("got %v\nwant %v mentioning %q", err, tt.want, tt.mentioning)
			}
			assertNothingCreated(ctx, t, hub, tt.opts.Name)
		})
	}

	if _, err := join.Join(ctx, hub, join.Options{Name: "first", Kubeconfig: good}); err != nil {
		t.Fatal(err)
	}
	if _, err := join.Join(ctx, hub, join.Options{Name: "first", Kubeconfig: good, Region: "us"}); err != nil {
		t.Fatalf("joining again under the same name must update, got %v", err)
	}
	_, err = join.Join(ctx, hub, join.Options{Name: "second", Kubeconfig: good})
	if !errors.Is(err, join.ErrAlreadyJoined) || !strings.Contains(err.Error(), `"first"`) {
		t.Fatalf("joining the same cluster under another name: %v", err)
	}
	assertNothingCreated(ctx, t, hub, "second")
}

func TestCredentialsNeverLeakIntoErrorsStatusEventsOrLogs(t *testing.T) {
	ctx := context.Background()
	_, hubCfg := startEnv(t, true)
	hub := hubClient(t, hubCfg)
	m := startMember(t)
	good := m.kubeconfig(t, "")
	var logs syncBuffer
	startFleet(t, hubCfg, fastOptions(), &logs)

	var secrets []string
	parsed, err := clientcmd.Load(good)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range parsed.AuthInfos {
		secrets = append(secrets, base64.StdEncoding.EncodeToString(u.ClientKeyData))
		for _, line := range bytes.Split(u.ClientKeyData, []byte("\n")) {
			if len(line) > 16 && !bytes.HasPrefix(line, []byte("-----")) {
				secrets = append(secrets, string(line))
			}
		}
	}
	secrets = append(secrets, badToken)
	badTokenConfig := withCredential(t, good, func(_ *string, _ *[]byte, tok *string, cert, key *[]byte) {
		*tok, *cert, *key = badToken, nil, nil
	})
	badCA := withCredential(t, good, func(_ *string, ca *[]byte, _ *string, _, _ *[]byte) { *ca = hubCfg.CAData })

	var shown []string
	for _, kc := range [][]byte{badTokenConfig, badCA} {
		_, err := join.Join(ctx, hub, join.Options{Name: "leaky", Kubeconfig: kc})
		if err == nil {
			t.Fatal("a join with a bad credential succeeded")
		}
		shown = append(shown, err.Error())
	}
	if _, err := join.Join(ctx, hub, join.Options{Name: "leaky", Kubeconfig: good}); err != nil {
		t.Fatal(err)
	}
	poll.Until(t, 30*time.Second, wantConditions(ctx, hub, "leaky", metav1.ConditionTrue, metav1.ConditionFalse))

	// Rotate to a rejected token: the controller must report Unauthorized without the token.
	var s corev1.Secret
	key := client.ObjectKey{Namespace: flotillav1alpha1.SystemNamespace, Name: credentials.SecretName("leaky")}
	if err := hub.Get(ctx, key, &s); err != nil {
		t.Fatal(err)
	}
	s.Data[credentials.SecretKey] = badTokenConfig
	if err := hub.Update(ctx, &s); err != nil {
		t.Fatal(err)
	}
	poll.Until(t, 30*time.Second, func() error {
		var mc flotillav1alpha1.MemberCluster
		if err := hub.Get(ctx, client.ObjectKey{Name: "leaky"}, &mc); err != nil {
			return err
		}
		for _, c := range mc.Status.Conditions {
			if c.Type == flotillav1alpha1.ConditionReachable && c.Reason == flotillav1alpha1.ReasonUnauthorized {
				return nil
			}
		}
		return fmt.Errorf("no Reachable=False/Unauthorized yet: %+v", mc.Status.Conditions)
	})
	poll.Until(t, 10*time.Second, func() error {
		var evs eventsv1.EventList
		if err := hub.List(ctx, &evs); err != nil {
			return err
		}
		if len(evs.Items) == 0 {
			return errors.New("no Events recorded yet")
		}
		return nil
	})

	var mc flotillav1alpha1.MemberCluster
	if err := hub.Get(ctx, client.ObjectKey{Name: "leaky"}, &mc); err != nil {
		t.Fatal(err)
	}
	status, _ := json.Marshal(mc.Status)
	shown = append(shown, string(status))
	var evs eventsv1.EventList
	if err := hub.List(ctx, &evs); err != nil {
		t.Fatal(err)
	}
	var coreEvs corev1.EventList
	if err := hub.List(ctx, &coreEvs); err != nil {
		t.Fatal(err)
	}
	for _, l := range []any{evs, coreEvs} {
		b, _ := json.Marshal(l)
		shown = append(shown, string(b))
	}
	shown = append(shown, logs.String())
	if !strings.Contains(logs.String(), "leaky") {
		t.Fatal("the captured controller logs do not mention the member: the log capture is broken")
	}
	for i, text := range shown {
		for _, secret := range secrets {
			if strings.Contains(text, secret) {
				t.Errorf("credential material found in output %d (%.80s...)", i, text)
			}
		}
	}
}
