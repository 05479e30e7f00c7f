package deploy

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"
)

// Names the manifests use; docs/install.md and the controller's flags rely on them.
const (
	controllerName = "flotilla-controller"
	consoleName    = "flotilla-console"
	webhookService = "flotilla-webhook"
	auditURL       = "https://flotilla-console.flotilla-system.svc:8090/api/v1/audit/ingest"
	saTokenFile    = "/var/run/secrets/kubernetes.io/serviceaccount/token"
)

// clusterScoped are the kinds of the manifests without a namespace.
var clusterScoped = map[string]bool{"Namespace": true, "CustomResourceDefinition": true, "ClusterRole": true,
	"ClusterRoleBinding": true, "ValidatingWebhookConfiguration": true}

// TestManifests checks each rendering for what a production install needs.
func TestManifests(t *testing.T) {
	tl := findTools(t)
	for _, in := range installs {
		t.Run(in.name, func(t *testing.T) {
			objs := render(t, tl, in)
			t.Run("placement", func(t *testing.T) { checkPlacement(t, objs) })
			t.Run("crds", func(t *testing.T) { checkCRDs(t, objs) })
			t.Run("pods", func(t *testing.T) { checkPods(t, objs) })
			t.Run("controller", func(t *testing.T) { checkController(t, in, objs) })
			t.Run("console", func(t *testing.T) { checkConsole(t, in, objs) })
			t.Run("webhooks", func(t *testing.T) { checkWebhooks(t, in, objs) })
			t.Run("certificates", func(t *testing.T) { checkCertificates(t, in, objs) })
			t.Run("rbac", func(t *testing.T) { checkRBAC(t, in, objs) })
			t.Run("references", func(t *testing.T) { checkReferences(t, objs) })
		})
	}
}

// checkPlacement: every namespaced object is in flotilla-system, none twice.
func checkPlacement(t *testing.T, objs []*unstructured.Unstructured) {
	seen := map[string]bool{}
	for _, o := range objs {
		if o.GetAPIVersion() == "" || o.GetKind() == "" || o.GetName() == "" {
			t.Errorf("an object lacks apiVersion, kind or metadata.name: %v", o.Object)
			continue
		}
		if seen[key(o)] {
			t.Errorf("%s twice", key(o))
		}
		seen[key(o)] = true
		switch {
		case clusterScoped[o.GetKind()] && o.GetNamespace() != "":
			t.Errorf("%s is cluster-scoped but has namespace %q", key(o), o.GetNamespace())
		case !clusterScoped[o.GetKind()] && o.GetNamespace() != systemNamespace:
			t.Errorf("%s is not in %s", key(o), systemNamespace)
		}
	}
}

// checkCRDs: the rendering installs exactly the generated CRDs.
func checkCRDs(t *testing.T, objs []*unstructured.Unstructured) {
	var want, got []string
	for _, f := range yamlFiles(t, root+"/config/crd/bases") {
		o, err := decode(f)
		if err != nil || len(o) != 1 {
			t.Fatalf("a generated CRD: %v", err)
		}
		want = append(want, o[0].GetName())
	}
	for _, o := range ofKind(objs, "CustomResourceDefinition") {
		got = append(got, o.GetName())
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("CRDs %v, want the generated %v", got, want)
	}
}

// checkPods: every Deployment's pods run as non-root on a read-only root filesystem without
// capabilities, and every container has requests, a memory limit and both probes.
func checkPods(t *testing.T, objs []*unstructured.Unstructured) {
	deps := ofKind(objs, "Deployment")
	if len(deps) == 0 {
		t.Fatal("no Deployments")
	}
	for _, o := range deps {
		var d appsv1.Deployment
		typed(t, o, &d)
		spec := d.Spec.Template.Spec
		psc := spec.SecurityContext
		if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot {
			t.Errorf("%s: pod securityContext.runAsNonRoot is not true", key(o))
		}
		if psc == nil || psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
			t.Errorf("%s: pod seccompProfile is not RuntimeDefault", key(o))
		}
		if psc != nil && psc.RunAsUser != nil && *psc.RunAsUser == 0 {
			t.Errorf("%s: runs as user 0", key(o))
		}
		if !labels.SelectorFromSet(d.Spec.Selector.MatchLabels).Matches(labels.Set(d.Spec.Template.Labels)) || len(d.Spec.Selector.MatchExpressions) > 0 {
			t.Errorf("%s: the selector %v does not select its pods %v", key(o), d.Spec.Selector.MatchLabels, d.Spec.Template.Labels)
		}
		for _, c := range append(slices.Clone(spec.InitContainers), spec.Containers...) {
			where := fmt.Sprintf("%s container %s", key(o), c.Name)
			checkContainer(t, where, c)
		}
	}
}

func checkContainer(t *testing.T, where string, c corev1.Container) {
	if sc := c.SecurityContext; sc == nil {
		t.Errorf("%s: no securityContext", where)
	} else {
		if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
			t.Errorf("%s: readOnlyRootFilesystem is not true", where)
		}
		if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
			t.Errorf("%s: allowPrivilegeEscalation is not false", where)
		}
		if sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") || len(sc.Capabilities.Add) > 0 {
			t.Errorf("%s: capabilities do not drop ALL (or add some)", where)
		}
		if sc.Privileged != nil && *sc.Privileged {
			t.Errorf("%s: privileged", where)
		}
		if sc.RunAsUser != nil && *sc.RunAsUser == 0 {
			t.Errorf("%s: runs as user 0", where)
		}
	}
	if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() {
		t.Errorf("%s: no CPU or memory request", where)
	}
	if c.Resources.Limits.Memory().IsZero() {
		t.Errorf("%s: no memory limit", where)
	}
	if c.LivenessProbe == nil || c.ReadinessProbe == nil {
		t.Errorf("%s: needs a liveness and a readiness probe", where)
	}
	for _, p := range []*corev1.Probe{c.LivenessProbe, c.ReadinessProbe} {
		if p != nil && p.HTTPGet != nil && !hasPort(c, p.HTTPGet.Port) {
			t.Errorf("%s: a probe uses port %s, which the container does not declare", where, p.HTTPGet.Port.String())
		}
	}
	if c.Image == "" || !strings.Contains(c.Image, "/flotilla") {
		t.Errorf("%s: image %q is not Flotilla's", where, c.Image)
	}
}

// hasPort reports whether c declares port (by name or number).
func hasPort(c corev1.Container, port intstr.IntOrString) bool {
	for _, p := range c.Ports {
		if (port.Type == intstr.String && p.Name == port.StrVal) || (port.Type == intstr.Int && p.ContainerPort == port.IntVal) {
			return true
		}
	}
	return false
}

// portNumber resolves a (named) port of c.
func portNumber(c corev1.Container, port intstr.IntOrString) int32 {
	for _, p := range c.Ports {
		if (port.Type == intstr.String && p.Name == port.StrVal) || (port.Type == intstr.Int && p.ContainerPort == port.IntVal) {
			return p.ContainerPort
		}
	}
	return 0
}

// checkController: two leader-elected replicas spread over nodes, a PodDisruptionBudget, JSON
// logs, probes on :8081, metrics on :8080, webhooks on :9443 behind flotilla-webhook, and audit
// records to the console when there is one.
func checkController(t *testing.T, in install, objs []*unstructured.Unstructured) {
	var d appsv1.Deployment
	mustGet(t, objs, "Deployment", controllerName, &d)
	if d.Spec.Replicas == nil || *d.Spec.Replicas != 2 {
		t.Errorf("controller replicas %s, want 2", deref(d.Spec.Replicas))
	}
	spec := d.Spec.Template.Spec
	if len(spec.TopologySpreadConstraints) == 0 && (spec.Affinity == nil || spec.Affinity.PodAntiAffinity == nil) {
		t.Error("the controller's replicas are not spread (topologySpreadConstraints or pod anti-affinity)")
	}
	for _, c := range spec.TopologySpreadConstraints {
		if c.LabelSelector == nil || !labels.SelectorFromSet(c.LabelSelector.MatchLabels).Matches(labels.Set(d.Spec.Template.Labels)) {
			t.Errorf("topology spread over %s does not select the controller's pods", c.TopologyKey)
		}
	}
	if spec.ServiceAccountName != controllerName {
		t.Errorf("serviceAccountName %q, want %s", spec.ServiceAccountName, controllerName)
	}
	if len(spec.Containers) != 1 {
		t.Fatalf("%d containers, want 1", len(spec.Containers))
	}
	c := spec.Containers[0]
	checkControllerContainer(t, in, spec, c)

	var pdb policyv1.PodDisruptionBudget
	mustGet(t, objs, "PodDisruptionBudget", controllerName, &pdb)
	if pdb.Spec.MinAvailable == nil || pdb.Spec.MinAvailable.IntValue() != 1 {
		t.Errorf("PodDisruptionBudget minAvailable %v, want 1", pdb.Spec.MinAvailable)
	}
	if pdb.Spec.Selector == nil || !labels.SelectorFromSet(pdb.Spec.Selector.MatchLabels).Matches(labels.Set(d.Spec.Template.Labels)) {
		t.Error("the PodDisruptionBudget does not select the controller's pods")
	}
	checkService(t, objs, webhookService, 443, c, d.Spec.Template.Labels, 9443)
	checkService(t, objs, "flotilla-controller-metrics", 8080, c, d.Spec.Template.Labels, 8080)
	if sm := find(objs, "ServiceMonitor", controllerName); sm != nil {
		checkServiceMonitor(t, objs, sm)
	} else if in.name == "helm-certmanager-noconsole" {
		t.Error("metrics.serviceMonitor.enabled rendered no ServiceMonitor")
	}
}

// checkControllerContainer: the flags, probes and mounts of the controller's container.
func checkControllerContainer(t *testing.T, in install, spec corev1.PodSpec, c corev1.Container) {
	want := []string{"controller", "--leader-elect", "--log-format=json", "--metrics-bind-address=:8080",
		"--health-probe-bind-address=:8081", "--webhook-port=9443", "--webhook-cert-dir=/certs"}
	if in.console {
		want = append(want, "--audit-url="+auditURL, "--audit-token-file="+saTokenFile, "--audit-spool-dir=/var/lib/flotilla/spool")
	}
	if !slices.Equal(c.Args, want) {
		t.Errorf("controller args\n%q\nwant\n%q", c.Args, want)
	}
	if c.LivenessProbe == nil || c.LivenessProbe.HTTPGet == nil || c.LivenessProbe.HTTPGet.Path != "/healthz" || portNumber(c, c.LivenessProbe.HTTPGet.Port) != 8081 {
		t.Errorf("liveness probe %+v, want GET /healthz on 8081", c.LivenessProbe)
	}
	if c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet == nil || c.ReadinessProbe.HTTPGet.Path != "/readyz" || portNumber(c, c.ReadinessProbe.HTTPGet.Port) != 8081 {
		t.Errorf("readiness probe %+v, want GET /readyz on 8081", c.ReadinessProbe)
	}
	mounts := mountedVolumes(c)
	checkMount(t, spec, mounts, "/certs", func(v corev1.Volume) bool { return v.Secret != nil }, "a Secret")
	if in.console {
		checkMount(t, spec, mounts, "/var/lib/flotilla/spool", func(v corev1.Volume) bool { return v.EmptyDir != nil }, "an emptyDir")
		// Go reads extra trusted CAs from SSL_CERT_DIR: the console's CA must be there.
		var certDirs string
		for _, e := range c.Env {
			if e.Name == "SSL_CERT_DIR" {
				certDirs = e.Value
			}
		}
		dirs := strings.Split(certDirs, ":")
		if !slices.Contains(dirs, "/etc/ssl/certs") || !slices.Contains(dirs, "/etc/flotilla/console-ca") {
			t.Errorf("SSL_CERT_DIR %q, want the system's and the console's CA (/etc/flotilla/console-ca)", certDirs)
		}
		checkMount(t, spec, mounts, "/etc/flotilla/console-ca", func(v corev1.Volume) bool {
			return v.Secret != nil && len(v.Secret.Items) == 1 && v.Secret.Items[0].Key == "ca.crt"
		}, "the console certificate Secret's ca.crt")
	}
}

// mountedVolumes maps mount paths to volume names.
func mountedVolumes(c corev1.Container) map[string]string {
	out := map[string]string{}
	for _, m := range c.VolumeMounts {
		out[m.MountPath] = m.Name
	}
	return out
}

// checkMount fails unless path is mounted from a volume that ok accepts.
func checkMount(t *testing.T, spec corev1.PodSpec, mounts map[string]string, path string, ok func(corev1.Volume) bool, what string) {
	t.Helper()
	name, found := mounts[path]
	if !found {
		t.Errorf("nothing is mounted at %s", path)
		return
	}
	for _, v := range spec.Volumes {
		if v.Name == name {
			if !ok(v) {
				t.Errorf("%s is mounted from %+v, want %s", path, v.VolumeSource, what)
			}
			return
		}
	}
	t.Errorf("%s is mounted from volume %s, which the pod does not have", path, name)
}

// checkService fails unless Service name selects podLabels and forwards port to the container
// port want.
func checkService(t *testing.T, objs []*unstructured.Unstructured, name string, port int32, c corev1.Container, podLabels map[string]string, want int32) {
	t.Helper()
	var svc corev1.Service
	mustGet(t, objs, "Service", name, &svc)
	if len(svc.Spec.Selector) == 0 || !labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(podLabels)) {
		t.Errorf("Service %s selects %v, not the pods %v", name, svc.Spec.Selector, podLabels)
	}
	for _, p := range svc.Spec.Ports {
		if p.Port == port {
			if got := portNumber(c, p.TargetPort); got != want {
				t.Errorf("Service %s:%d goes to container port %d, want %d", name, port, got, want)
			}
			return
		}
	}
	t.Errorf("Service %s has no port %d", name, port)
}

// checkServiceMonitor: it scrapes the metrics Service's port.
func checkServiceMonitor(t *testing.T, objs []*unstructured.Unstructured, sm *unstructured.Unstructured) {
	sel, _, _ := unstructured.NestedStringMap(sm.Object, "spec", "selector", "matchLabels")
	var svc corev1.Service
	mustGet(t, objs, "Service", "flotilla-controller-metrics", &svc)
	if len(sel) == 0 || !labels.SelectorFromSet(sel).Matches(labels.Set(svc.Labels)) {
		t.Errorf("the ServiceMonitor selects %v, not the metrics Service %v", sel, svc.Labels)
	}
	for _, s := range ofKind(objs, "Service") {
		if s.GetName() != svc.Name && len(sel) > 0 && labels.SelectorFromSet(sel).Matches(labels.Set(s.GetLabels())) {
			t.Errorf("the ServiceMonitor also selects Service %s", s.GetName())
		}
	}
	eps, _, _ := unstructured.NestedSlice(sm.Object, "spec", "endpoints")
	if len(eps) != 1 || eps[0].(map[string]any)["port"] != "metrics" {
		t.Errorf("ServiceMonitor endpoints %v, want the port metrics", eps)
	}
}

// checkConsole: one replica replaced with Recreate (the audit trail's single writer), TLS on
// :8090 behind flotilla-console, the trail on a PersistentVolumeClaim.
func checkConsole(t *testing.T, in install, objs []*unstructured.Unstructured) {
	if !in.console {
		for _, kind := range []string{"Deployment", "Service", "ServiceAccount", "ClusterRole", "PersistentVolumeClaim"} {
			if find(objs, kind, consoleName) != nil {
				t.Errorf("console disabled, yet %s %s is rendered", kind, consoleName)
			}
		}
		return
	}
	var d appsv1.Deployment
	mustGet(t, objs, "Deployment", consoleName, &d)
	if d.Spec.Replicas == nil || *d.Spec.Replicas != 1 {
		t.Errorf("console replicas %s, want 1", deref(d.Spec.Replicas))
	}
	if d.Spec.Strategy.Type != appsv1.RecreateDeploymentStrategyType {
		t.Errorf("console strategy %q, want Recreate (one writer of the audit trail at a time)", d.Spec.Strategy.Type)
	}
	spec := d.Spec.Template.Spec
	if spec.ServiceAccountName != consoleName {
		t.Errorf("serviceAccountName %q, want %s", spec.ServiceAccountName, consoleName)
	}
	c := spec.Containers[0]
	want := []string{"console", "--addr=:8090", "--cert-dir=/certs", "--audit-dir=/var/lib/flotilla/audit"}
	if !slices.Equal(c.Args, want) {
		t.Errorf("console args %q, want %q", c.Args, want)
	}
	mounts := mountedVolumes(c)
	checkMount(t, spec, mounts, "/certs", func(v corev1.Volume) bool { return v.Secret != nil }, "a Secret")
	checkMount(t, spec, mounts, "/var/lib/flotilla/audit", func(v corev1.Volume) bool {
		return v.PersistentVolumeClaim != nil && find(objs, "PersistentVolumeClaim", v.PersistentVolumeClaim.ClaimName) != nil
	}, "a PersistentVolumeClaim of the install")
	for _, p := range []*corev1.Probe{c.LivenessProbe, c.ReadinessProbe} {
		if p == nil || p.HTTPGet == nil || p.HTTPGet.Scheme != corev1.URISchemeHTTPS || portNumber(c, p.HTTPGet.Port) != 8090 {
			t.Errorf("console probe %+v, want HTTPS on 8090", p)
		}
	}
	checkService(t, objs, consoleName, 8090, c, d.Spec.Template.Labels, 8090)
}

// checkWebhooks: controller-gen's webhooks, unchanged but pointed at flotilla-webhook, with the
// CA given (caBundle) or injected by cert-manager.
func checkWebhooks(t *testing.T, in install, objs []*unstructured.Unstructured) {
	cfgs := ofKind(objs, "ValidatingWebhookConfiguration")
	if len(cfgs) != 1 {
		t.Fatalf("%d ValidatingWebhookConfigurations, want 1", len(cfgs))
	}
	var got, want admissionregistrationv1.ValidatingWebhookConfiguration
	typed(t, cfgs[0], &got)
	generated := decodeFile(t, "config", "webhook", "manifests.yaml")
	typed(t, generated[0], &want)
	if len(got.Webhooks) != len(want.Webhooks) {
		t.Fatalf("%d webhooks, config/webhook/manifests.yaml has %d", len(got.Webhooks), len(want.Webhooks))
	}
	annotation := got.Annotations["cert-manager.io/inject-ca-from"]
	if in.certManager != (annotation == systemNamespace+"/flotilla-webhook") {
		t.Errorf("cert-manager.io/inject-ca-from %q (cert-manager: %v)", annotation, in.certManager)
	}
	var caBundles [][]byte
	for i := range want.Webhooks {
		g, w := got.Webhooks[i], want.Webhooks[i]
		svc := g.ClientConfig.Service
		if svc == nil || svc.Name != webhookService || svc.Namespace != systemNamespace {
			t.Errorf("webhook %s calls %+v, want Service %s/%s", g.Name, svc, systemNamespace, webhookService)
		}
		if in.certManager == (len(g.ClientConfig.CABundle) > 0) {
			t.Errorf("webhook %s: caBundle set: %v, cert-manager: %v", g.Name, len(g.ClientConfig.CABundle) > 0, in.certManager)
		}
		caBundles = append(caBundles, g.ClientConfig.CABundle)
		g.ClientConfig.Service, g.ClientConfig.CABundle = nil, nil
		w.ClientConfig.Service = nil
		if !reflect.DeepEqual(g, w) {
			gy, _ := yaml.Marshal(g)
			wy, _ := yaml.Marshal(w)
			t.Errorf("webhook %d differs from config/webhook/manifests.yaml:\n%s\nwant:\n%s", i, gy, wy)
		}
	}
	if in.caBundle != "" {
		for _, b := range caBundles {
			if base64.StdEncoding.EncodeToString(b) != in.caBundle {
				t.Errorf("caBundle is not certs.caBundle")
			}
		}
	}
}

// checkCertificates: generated Secrets verify against the webhook's caBundle for their Service's
// name; cert-manager Certificates name the Secrets the pods mount, the Services' names, and an
// Issuer.
func checkCertificates(t *testing.T, in install, objs []*unstructured.Unstructured) {
	services := []string{webhookService}
	if in.console {
		services = append(services, consoleName)
	}
	switch {
	case in.certManager:
		if len(ofKind(objs, "Secret")) > 0 {
			t.Errorf("cert-manager issues the certificates, yet Secrets are rendered: %v", keys(ofKind(objs, "Secret")))
		}
		for _, svc := range services {
			cert := find(objs, "Certificate", svc)
			if cert == nil {
				t.Errorf("no Certificate %s", svc)
				continue
			}
			secret, _, _ := unstructured.NestedString(cert.Object, "spec", "secretName")
			dns, _, _ := unstructured.NestedStringSlice(cert.Object, "spec", "dnsNames")
			issuer, _, _ := unstructured.NestedString(cert.Object, "spec", "issuerRef", "name")
			issuerKind, _, _ := unstructured.NestedString(cert.Object, "spec", "issuerRef", "kind")
			if secret != svc+"-cert" {
				t.Errorf("Certificate %s: secretName %q, want %s-cert", svc, secret, svc)
			}
			if !slices.Contains(dns, svc+"."+systemNamespace+".svc") {
				t.Errorf("Certificate %s: dnsNames %v lack %s.%s.svc", svc, dns, svc, systemNamespace)
			}
			if issuerKind != "Issuer" || find(objs, "Issuer", issuer) == nil {
				t.Errorf("Certificate %s: issuer %s %q is not in the install", svc, issuerKind, issuer)
			}
		}
	case in.caBundle != "":
		if len(ofKind(objs, "Secret")) > 0 || len(ofKind(objs, "Certificate")) > 0 {
			t.Errorf("certs.existingSecret is set, yet certificates are rendered")
		}
	default:
		var cfg admissionregistrationv1.ValidatingWebhookConfiguration
		typed(t, ofKind(objs, "ValidatingWebhookConfiguration")[0], &cfg)
		roots := x509.NewCertPool()
		if !roots.AppendCertsFromPEM(cfg.Webhooks[0].ClientConfig.CABundle) {
			t.Fatal("the webhook's caBundle holds no PEM certificate")
		}
		for _, svc := range services {
			var s corev1.Secret
			mustGet(t, objs, "Secret", svc+"-cert", &s)
			if s.Type != corev1.SecretTypeTLS {
				t.Errorf("Secret %s-cert: type %q", svc, s.Type)
			}
			verifyServing(t, s, roots, svc+"."+systemNamespace+".svc")
			if svc == consoleName {
				verifyServing(t, s, roots, "localhost") // kubectl port-forward
			}
		}
	}
}

// verifyServing fails unless the Secret's certificate is valid for dnsName under roots, and its
// ca.crt is one of roots.
func verifyServing(t *testing.T, s corev1.Secret, roots *x509.CertPool, dnsName string) {
	t.Helper()
	block, _ := pem.Decode(s.Data[corev1.TLSCertKey])
	if block == nil || len(s.Data[corev1.TLSPrivateKeyKey]) == 0 {
		t.Errorf("Secret %s: no PEM certificate or no key", s.Name)
		return
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Errorf("Secret %s: %v", s.Name, err)
		return
	}
	if _, err := cert.Verify(x509.VerifyOptions{DNSName: dnsName, Roots: roots}); err != nil {
		t.Errorf("Secret %s does not serve %s under the webhook's CA: %v", s.Name, dnsName, err)
	}
	own := x509.NewCertPool()
	if !own.AppendCertsFromPEM(s.Data["ca.crt"]) {
		t.Errorf("Secret %s: no ca.crt", s.Name)
	} else if _, err := cert.Verify(x509.VerifyOptions{DNSName: dnsName, Roots: own}); err != nil {
		t.Errorf("Secret %s: its ca.crt does not verify it: %v", s.Name, err)
	}
}

// checkRBAC: the controller's roles are controller-gen's, bound to its ServiceAccount, plus the
// right to send audit records; the console's own role and the roles for people are there when
// the console is.
func checkRBAC(t *testing.T, in install, objs []*unstructured.Unstructured) {
	for _, gen := range decodeFile(t, "config", "rbac", "role.yaml") {
		o := find(objs, gen.GetKind(), gen.GetName())
		if o == nil {
			t.Errorf("no %s (config/rbac/role.yaml)", key(gen))
			continue
		}
		if o.GetNamespace() != gen.GetNamespace() {
			t.Errorf("%s: namespace %q, generated %q", key(o), o.GetNamespace(), gen.GetNamespace())
		}
		gotRules, _, _ := unstructured.NestedSlice(o.Object, "rules")
		wantRules, _, _ := unstructured.NestedSlice(gen.Object, "rules")
		if !reflect.DeepEqual(gotRules, wantRules) {
			t.Errorf("%s: rules differ from config/rbac/role.yaml", key(o))
		}
	}
	sa := rbacv1.Subject{Kind: "ServiceAccount", Name: controllerName, Namespace: systemNamespace}
	checkBound(t, objs, "ClusterRoleBinding", "ClusterRole", controllerName, sa)
	checkBound(t, objs, "RoleBinding", "Role", controllerName, sa)
	if in.console {
		checkBound(t, objs, "ClusterRoleBinding", "ClusterRole", "flotilla-controller-audit", sa)
		checkBound(t, objs, "ClusterRoleBinding", "ClusterRole", consoleName, rbacv1.Subject{Kind: "ServiceAccount", Name: consoleName, Namespace: systemNamespace})
		checkBound(t, objs, "ClusterRoleBinding", "ClusterRole", "flotilla-audit-writer", rbacv1.Subject{Kind: "ServiceAccount", Name: "flotilla-apiserver-audit", Namespace: systemNamespace})
	}
	checkConsoleRoles(t, in.name, objs)
}

// checkBound fails unless a binding of kind ties subject to the role.
func checkBound(t *testing.T, objs []*unstructured.Unstructured, kind, roleKind, role string, subject rbacv1.Subject) {
	t.Helper()
	if find(objs, roleKind, role) == nil {
		t.Errorf("no %s %s", roleKind, role)
	}
	for _, o := range ofKind(objs, kind) {
		var b rbacv1.RoleBinding // a ClusterRoleBinding has the same fields
		typed(t, o, &b)
		if b.RoleRef.Kind == roleKind && b.RoleRef.Name == role && slices.Contains(b.Subjects, subject) {
			return
		}
	}
	t.Errorf("no %s of %s %s to %s %s/%s", kind, roleKind, role, subject.Kind, subject.Namespace, subject.Name)
}

// checkReferences: what the pods refer to — ServiceAccounts, Secrets (or the Certificates that
// make them), claims — is in the install.
func checkReferences(t *testing.T, objs []*unstructured.Unstructured) {
	secrets := map[string]bool{}
	for _, s := range ofKind(objs, "Secret") {
		secrets[s.GetName()] = true
	}
	for _, c := range ofKind(objs, "Certificate") {
		name, _, _ := unstructured.NestedString(c.Object, "spec", "secretName")
		secrets[name] = true
	}
	for _, o := range ofKind(objs, "Deployment") {
		var d appsv1.Deployment
		typed(t, o, &d)
		spec := d.Spec.Template.Spec
		if find(objs, "ServiceAccount", spec.ServiceAccountName) == nil {
			t.Errorf("%s: no ServiceAccount %s", key(o), spec.ServiceAccountName)
		}
		for _, v := range spec.Volumes {
			if v.Secret != nil && !secrets[v.Secret.SecretName] && v.Secret.SecretName != "flotilla-tls" {
				t.Errorf("%s: volume %s needs Secret %s, which the install does not make", key(o), v.Name, v.Secret.SecretName)
			}
			if v.PersistentVolumeClaim != nil && find(objs, "PersistentVolumeClaim", v.PersistentVolumeClaim.ClaimName) == nil {
				t.Errorf("%s: no PersistentVolumeClaim %s", key(o), v.PersistentVolumeClaim.ClaimName)
			}
		}
	}
}

// TestKustomizeEqualsHelm: the kustomize install and the chart with cert-manager (what kustomize
// uses) make the same objects with the same content, labels and annotations aside.
func TestKustomizeEqualsHelm(t *testing.T) {
	tl := findTools(t)
	var k, h []*unstructured.Unstructured
	for _, in := range installs {
		switch in.name {
		case "kustomize":
			k = render(t, tl, in)
		case "helm-certmanager":
			h = render(t, tl, in)
		}
	}
	helmKeys := map[string]*unstructured.Unstructured{}
	for _, o := range h {
		helmKeys[key(o)] = o
	}
	for _, o := range k {
		if o.GetKind() == "Namespace" {
			continue // helm install --create-namespace makes it
		}
		ho, ok := helmKeys[key(o)]
		if !ok {
			t.Errorf("kustomize makes %s, the chart does not", key(o))
			continue
		}
		delete(helmKeys, key(o))
		a, b := comparable(o), comparable(ho)
		if !reflect.DeepEqual(a, b) {
			ay, _ := yaml.Marshal(a)
			by, _ := yaml.Marshal(b)
			t.Errorf("%s differs between kustomize (-) and the chart (+):\n%s", key(o), lineDiff(string(ay), string(by)))
		}
	}
	for k := range helmKeys {
		t.Errorf("the chart makes %s, kustomize does not", k)
	}
}

// comparable is o without labels and annotations (both tools label differently; the annotations
// that matter are checked in TestManifests).
func comparable(o *unstructured.Unstructured) map[string]any {
	c := o.DeepCopy()
	c.SetLabels(nil)
	c.SetAnnotations(nil)
	unstructured.RemoveNestedField(c.Object, "spec", "template", "metadata", "labels")
	unstructured.RemoveNestedField(c.Object, "spec", "template", "metadata", "annotations")
	// Round-trip through JSON numbers so both tools' integers compare equal.
	raw, _ := yaml.Marshal(c.Object)
	out := map[string]any{}
	_ = yaml.Unmarshal(raw, &out)
	return out
}

// deref prints a replica count that may be unset.
func deref(p *int32) string {
	if p == nil {
		return "unset"
	}
	return fmt.Sprint(*p)
}

// lineDiff shows the lines only a has (-) and only b has (+), with the common lines around them.
func lineDiff(a, b string) string {
	x, y := strings.Split(a, "\n"), strings.Split(b, "\n")
	// lcs[i][j] is the length of the longest common subsequence of x[i:] and y[j:].
	lcs := make([][]int, len(x)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(y)+1)
	}
	for i := len(x) - 1; i >= 0; i-- {
		for j := len(y) - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	type line struct{ op, text string }
	var lines []line
	i, j := 0, 0
	for i < len(x) || j < len(y) {
		switch {
		case i < len(x) && j < len(y) && x[i] == y[j]:
			lines = append(lines, line{" ", x[i]})
			i++
			j++
		case j < len(y) && (i == len(x) || lcs[i][j+1] >= lcs[i+1][j]):
			lines = append(lines, line{"+", y[j]})
			j++
		default:
			lines = append(lines, line{"-", x[i]})
			i++
		}
	}
	// Print the changes with two lines of context.
	const context = 2
	var out strings.Builder
	for k, l := range lines {
		near := false
		for d := max(0, k-context); d <= min(len(lines)-1, k+context); d++ {
			near = near || lines[d].op != " "
		}
		if near {
			out.WriteString(l.op + " " + l.text + "\n")
		}
	}
	return out.String()
}

// TestChartRefusesWhatCannotWork: helm lint --strict passes, and values that cannot work fail
// at render time with a message that says what to do.
func TestChartRefusesWhatCannotWork(t *testing.T) {
	tl := findTools(t)
	runTool(t, tl.helm, "lint", "--strict", chartDir, "--namespace", systemNamespace, "--kube-version", kubeVersion())
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--namespace", "default"}, "install Flotilla into the flotilla-system namespace"},
		{[]string{"--set", "certManager.enabled=true", "--set", "certs.existingSecret=x"}, "exclude each other"},
		{[]string{"--set", "certs.existingSecret=x"}, "certs.caBundle"},
		{[]string{"--set", "controller.replicas=0"}, "/controller/replicas"},
		{[]string{"--set", "logFormat=xml"}, "/logFormat"},
		{[]string{"--set", "controler.replicas=2"}, "controler"},
		{[]string{"--set", "metrics.service.enabled=false", "--set", "metrics.serviceMonitor.enabled=true"}, "needs metrics.service.enabled"},
	} {
		args := append([]string{"template", "flotilla", chartDir, "--namespace", systemNamespace, "--kube-version", kubeVersion()}, c.args...)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		out, err := toolCommand(ctx, t, tl.helm, args...).CombinedOutput()
		cancel()
		if err == nil || !strings.Contains(string(out), c.want) {
			t.Errorf("helm template %s: %v, want an error mentioning %q; got:\n%s", strings.Join(c.args, " "), err, c.want, out)
		}
	}
}
