// Package helm_test checks the Helm chart in lightfield-mcp/ by rendering it
// with helm template and reading the manifests: the security context, the
// probes, where the secrets come from, the replicas, the disruption budget,
// the Service, and that every variable the chart sets is one the server
// reads (server.json's image package lists them, and TestServerJSON keeps
// that list equal to what --help documents).
package helm_test

import (
	"encoding/base64"
	"fmt"
	"maps"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"go.yaml.in/yaml/v4"

	"github.com/lightfield-mcp/lightfield-mcp/release/registry"
)

// pinnedHelm is the helm ./test.sh lints and renders the chart with.
const pinnedHelm = "helm.sh/helm/v3/cmd/helm@v3.22.0"

const (
	chart            = "lightfield-mcp"
	productionValues = "values-production.yaml"
	// The port the image serves (release/Dockerfile's EXPOSE).
	serverPort = 8080
	// On SIGTERM the server lets calls in flight finish for up to a minute.
	drainSeconds = 60
)

// The keys the chart reads from its Secret, by the variable each fills.
var secretKeys = map[string]string{
	"LIGHTFIELD_TOKEN_SECRET":      "token-secret",
	"LIGHTFIELD_TOKEN_OLD_SECRETS": "token-old-secrets",
	"LIGHTFIELD_API_KEY":           "api-key",
}

var (
	helmOnce sync.Once
	helmArgs []string
	helmErr  string
)

// helmCommand is the command that runs helm: the pinned one through go run
// when LFMCP_REQUIRE_HELM=1 (./test.sh sets it, after compiling it for its
// own lint step), else a helm on PATH. Without either, the test is skipped.
func helmCommand(t *testing.T) []string {
	t.Helper()
	helmOnce.Do(func() {
		if os.Getenv("LFMCP_REQUIRE_HELM") == "1" {
			helmArgs = []string{"go", "run", pinnedHelm}
		} else if path, err := exec.LookPath("helm"); err == nil {
			helmArgs = []string{path}
		} else {
			helmErr = "helm is not on PATH"
			return
		}
		out, err := exec.Command(helmArgs[0], append(helmArgs[1:], "version", "--short")...).CombinedOutput()
		switch {
		case err != nil:
			helmErr = strings.Join(helmArgs, " ") + " version: " + err.Error() + ": " + strings.TrimSpace(string(out))
		case !strings.HasPrefix(strings.TrimSpace(string(out)), "v3."):
			// The chart is held to the pinned helm 3; another major
			// version may render it otherwise.
			helmErr = "the helm on PATH is " + strings.TrimSpace(string(out)) + ", not helm 3 as pinned"
		}
	})
	if helmErr != "" {
		if os.Getenv("LFMCP_REQUIRE_HELM") == "1" {
			t.Fatalf("LFMCP_REQUIRE_HELM=1, but helm cannot be run: %s", helmErr)
		}
		t.Skipf("helm cannot be run (%s): put helm on PATH, or set LFMCP_REQUIRE_HELM=1 to run the pinned one (go run %s) as ./test.sh does; its first build takes minutes", helmErr, pinnedHelm)
	}
	return helmArgs
}

// helmTemplate renders the chart as the release "lightfield-mcp" with these
// extra arguments; an error carries what helm wrote on stderr.
func helmTemplate(t *testing.T, args ...string) (string, error) {
	t.Helper()
	command := helmCommand(t)
	args = append([]string{"template", "lightfield-mcp", chart}, args...)
	var stderr strings.Builder
	cmd := exec.Command(command[0], append(command[1:], args...)...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("helm template %v: %v: %s", args[3:], err, strings.TrimSpace(stderr.String()))
	}
	return string(out), nil
}

// manifest is one rendered object: its kind and name, and its text.
type manifest struct {
	Kind     string `yaml:"kind"`
	Metadata meta   `yaml:"metadata"`
	text     string
}

type meta struct {
	Name        string            `yaml:"name"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

// render renders the chart and splits what helm wrote into objects.
func render(t *testing.T, args ...string) []manifest {
	t.Helper()
	out, err := helmTemplate(t, args...)
	if err != nil {
		t.Fatal(err)
	}
	var objects []manifest
	for _, doc := range regexp.MustCompile(`(?m)^---$`).Split(out, -1) {
		var m manifest
		if err := yaml.Unmarshal([]byte(doc), &m); err != nil {
			t.Fatalf("helm template %v wrote YAML that does not parse: %v\n%s", args, err, doc)
		}
		if m.Kind != "" {
			m.text = doc
			objects = append(objects, m)
		}
	}
	return objects
}

// one decodes the only object of a kind into v; it fails the test when
// there is none or more than one.
func one(t *testing.T, objects []manifest, kind string, v any) manifest {
	t.Helper()
	var found []manifest
	for _, m := range objects {
		if m.Kind == kind {
			found = append(found, m)
		}
	}
	if len(found) != 1 {
		t.Fatalf("the chart renders %d objects of kind %s, want 1", len(found), kind)
	}
	if err := yaml.Unmarshal([]byte(found[0].text), v); err != nil {
		t.Fatalf("%s: %v", kind, err)
	}
	return found[0]
}

// kinds is the objects' kinds, sorted.
func kinds(objects []manifest) []string {
	var out []string
	for _, m := range objects {
		out = append(out, m.Kind)
	}
	slices.Sort(out)
	return out
}

type deployment struct {
	Metadata meta `yaml:"metadata"`
	Spec     struct {
		Replicas *int `yaml:"replicas"`
		Selector struct {
			MatchLabels map[string]string `yaml:"matchLabels"`
		} `yaml:"selector"`
		Template struct {
			Metadata meta    `yaml:"metadata"`
			Spec     podSpec `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

type podSpec struct {
	ServiceAccountName            string          `yaml:"serviceAccountName"`
	AutomountServiceAccountToken  *bool           `yaml:"automountServiceAccountToken"`
	SecurityContext               securityContext `yaml:"securityContext"`
	TerminationGracePeriodSeconds int             `yaml:"terminationGracePeriodSeconds"`
	Containers                    []container     `yaml:"containers"`
	InitContainers                []container     `yaml:"initContainers"`
	TopologySpreadConstraints     []struct {
		TopologyKey   string `yaml:"topologyKey"`
		LabelSelector struct {
			MatchLabels map[string]string `yaml:"matchLabels"`
		} `yaml:"labelSelector"`
	} `yaml:"topologySpreadConstraints"`
}

type securityContext struct {
	RunAsNonRoot             *bool  `yaml:"runAsNonRoot"`
	RunAsUser                *int64 `yaml:"runAsUser"`
	RunAsGroup               *int64 `yaml:"runAsGroup"`
	ReadOnlyRootFilesystem   *bool  `yaml:"readOnlyRootFilesystem"`
	AllowPrivilegeEscalation *bool  `yaml:"allowPrivilegeEscalation"`
	Privileged               *bool  `yaml:"privileged"`
	Capabilities             struct {
		Add  []string `yaml:"add"`
		Drop []string `yaml:"drop"`
	} `yaml:"capabilities"`
	SeccompProfile struct {
		Type string `yaml:"type"`
	} `yaml:"seccompProfile"`
}

type container struct {
	Name    string   `yaml:"name"`
	Image   string   `yaml:"image"`
	Command []string `yaml:"command"`
	Args    []string `yaml:"args"`
	Ports   []struct {
		Name          string `yaml:"name"`
		ContainerPort int    `yaml:"containerPort"`
	} `yaml:"ports"`
	Env            []envVar `yaml:"env"`
	EnvFrom        []any    `yaml:"envFrom"`
	ReadinessProbe *probe   `yaml:"readinessProbe"`
	LivenessProbe  *probe   `yaml:"livenessProbe"`
	StartupProbe   *probe   `yaml:"startupProbe"`
	Lifecycle      struct {
		PreStop struct {
			Sleep struct {
				Seconds int `yaml:"seconds"`
			} `yaml:"sleep"`
		} `yaml:"preStop"`
	} `yaml:"lifecycle"`
	Resources struct {
		Requests map[string]string `yaml:"requests"`
		Limits   map[string]string `yaml:"limits"`
	} `yaml:"resources"`
	SecurityContext securityContext `yaml:"securityContext"`
}

type envVar struct {
	Name      string `yaml:"name"`
	Value     string `yaml:"value"`
	ValueFrom *struct {
		SecretKeyRef *struct {
			Name     string `yaml:"name"`
			Key      string `yaml:"key"`
			Optional bool   `yaml:"optional"`
		} `yaml:"secretKeyRef"`
	} `yaml:"valueFrom"`
}

type probe struct {
	HTTPGet *struct {
		Path string `yaml:"path"`
		// A port's name (http) or number.
		Port any `yaml:"port"`
	} `yaml:"httpGet"`
}

type service struct {
	Spec struct {
		Ports []struct {
			Name       string `yaml:"name"`
			Port       int    `yaml:"port"`
			TargetPort any    `yaml:"targetPort"`
		} `yaml:"ports"`
		Selector map[string]string `yaml:"selector"`
	} `yaml:"spec"`
}

type labelSelector struct {
	MatchLabels map[string]string `yaml:"matchLabels"`
}

type pdb struct {
	Spec struct {
		MinAvailable   any           `yaml:"minAvailable"`
		MaxUnavailable any           `yaml:"maxUnavailable"`
		Selector       labelSelector `yaml:"selector"`
	} `yaml:"spec"`
}

type hpa struct {
	Spec struct {
		ScaleTargetRef struct {
			Kind string `yaml:"kind"`
			Name string `yaml:"name"`
		} `yaml:"scaleTargetRef"`
		MinReplicas int `yaml:"minReplicas"`
		MaxReplicas int `yaml:"maxReplicas"`
	} `yaml:"spec"`
}

type ingress struct {
	Spec struct {
		TLS []struct {
			Hosts []string `yaml:"hosts"`
		} `yaml:"tls"`
		Rules []struct {
			Host string `yaml:"host"`
			HTTP struct {
				Paths []struct {
					Path    string `yaml:"path"`
					Backend struct {
						Service struct {
							Name string `yaml:"name"`
							Port struct {
								Name   string `yaml:"name"`
								Number int    `yaml:"number"`
							} `yaml:"port"`
						} `yaml:"service"`
					} `yaml:"backend"`
				} `yaml:"paths"`
			} `yaml:"http"`
		} `yaml:"rules"`
	} `yaml:"spec"`
}

type secret struct {
	Data       map[string]string `yaml:"data"`
	StringData map[string]string `yaml:"stringData"`
}

// serverJSON is the image's entry in server.json: its name and tag, and the
// variables the server reads.
func serverJSON(t *testing.T) (image string, version string, vars map[string]registry.EnvironmentInput) {
	t.Helper()
	raw, err := os.ReadFile("../../server.json")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := registry.Read(raw)
	if err != nil {
		t.Fatalf("server.json: %v", err)
	}
	vars = map[string]registry.EnvironmentInput{}
	for _, p := range doc.Packages {
		if p.RegistryType == "oci" {
			image = registry.ImageName(p.Identifier)
			for _, v := range p.EnvironmentVariables {
				vars[v.Name] = v
			}
		}
	}
	if image == "" {
		t.Fatal("server.json lists no image")
	}
	return image, doc.Version, vars
}

// checkServer checks what every rendering must hold: the pod's security,
// image, arguments, probes, resources and shutdown, and that its variables
// are the server's, the secret ones from a Secret and nothing else from one.
// It returns the server's container.
func checkServer(t *testing.T, objects []manifest) (deployment, container) {
	t.Helper()
	var d deployment
	one(t, objects, "Deployment", &d)
	pod := d.Spec.Template.Spec
	if len(pod.Containers) != 1 || len(pod.InitContainers) != 0 {
		t.Fatalf("the pod runs %d containers and %d init containers, want the server alone", len(pod.Containers), len(pod.InitContainers))
	}
	c := pod.Containers[0]

	// Non-root as the image's USER, nothing writable, no privileges.
	if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
		t.Error("the pod mounts a service account token; the server uses no Kubernetes API")
	}
	for where, sc := range map[string]securityContext{"pod": pod.SecurityContext, "container": c.SecurityContext} {
		if sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.RunAsUser == nil || *sc.RunAsUser != 65532 || sc.RunAsGroup == nil || *sc.RunAsGroup != 65532 {
			t.Errorf("%s securityContext: runAsNonRoot %v, runAsUser %v, runAsGroup %v; want true, 65532, 65532 (the image's USER)", where, ptr(sc.RunAsNonRoot), ptr(sc.RunAsUser), ptr(sc.RunAsGroup))
		}
		if sc.SeccompProfile.Type != "RuntimeDefault" {
			t.Errorf("%s securityContext: seccompProfile %q, want RuntimeDefault", where, sc.SeccompProfile.Type)
		}
	}
	sc := c.SecurityContext
	if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
		t.Error("container securityContext: readOnlyRootFilesystem is not true")
	}
	if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		t.Error("container securityContext: allowPrivilegeEscalation is not false")
	}
	if sc.Privileged != nil && *sc.Privileged {
		t.Error("container securityContext: privileged")
	}
	if !slices.Equal(sc.Capabilities.Drop, []string{"ALL"}) || len(sc.Capabilities.Add) > 0 {
		t.Errorf("container capabilities: drop %v, add %v; want drop [ALL], add none", sc.Capabilities.Drop, sc.Capabilities.Add)
	}

	// The image the release pushes, at server.json's version, serving HTTP
	// on every address of the pod.
	image, version, vars := serverJSON(t)
	if want := image + ":" + version; c.Image != want {
		t.Errorf("image %s, want %s (server.json's)", c.Image, want)
	}
	if len(c.Command) > 0 || !slices.Equal(c.Args, []string{"--http", "0.0.0.0:8080"}) {
		t.Errorf("command %v, args %v; want the image's entrypoint with --http 0.0.0.0:8080", c.Command, c.Args)
	}

	// Readiness on /healthz, liveness on /livez, both on the server's port.
	for name, want := range map[string]struct {
		probe *probe
		path  string
	}{"readinessProbe": {c.ReadinessProbe, "/healthz"}, "livenessProbe": {c.LivenessProbe, "/livez"}} {
		if want.probe == nil || want.probe.HTTPGet == nil {
			t.Errorf("no %s with httpGet", name)
			continue
		}
		if got := want.probe.HTTPGet; got.Path != want.path || containerPort(c, got.Port) != serverPort {
			t.Errorf("%s: GET %s on port %v, want %s on %d", name, got.Path, got.Port, want.path, serverPort)
		}
	}
	if c.StartupProbe != nil {
		t.Error("a startupProbe: the server listens at once, and readiness is what waits for Lightfield")
	}

	for _, kind := range []string{"cpu", "memory"} {
		if c.Resources.Requests[kind] == "" || c.Resources.Limits[kind] == "" {
			t.Errorf("resources: %s request %q, limit %q; want both", kind, c.Resources.Requests[kind], c.Resources.Limits[kind])
		}
	}
	if grace, sleep := pod.TerminationGracePeriodSeconds, c.Lifecycle.PreStop.Sleep.Seconds; grace <= sleep+drainSeconds {
		t.Errorf("terminationGracePeriodSeconds %d: the preStop sleep (%d s) and the server's drain (%d s) need more", grace, sleep, drainSeconds)
	}

	// Every variable is one the server reads; those server.json calls
	// secret come from a Secret, and nothing else does.
	if len(c.EnvFrom) > 0 {
		t.Error("envFrom: name each variable, so that the chart cannot pass one the server does not read")
	}
	for _, e := range c.Env {
		v, known := vars[e.Name]
		switch {
		case !known:
			t.Errorf("the chart sets %s, which the server does not read (not in server.json's image package)", e.Name)
		case v.IsSecret:
			if e.Value != "" || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil {
				t.Errorf("%s is secret: it must come from a Secret (secretKeyRef), not a plain value", e.Name)
			} else if key := e.ValueFrom.SecretKeyRef.Key; key != secretKeys[e.Name] {
				t.Errorf("%s comes from the Secret's key %q, want %q", e.Name, key, secretKeys[e.Name])
			}
		case e.ValueFrom != nil:
			t.Errorf("%s is not secret, yet comes from elsewhere than the values", e.Name)
		}
	}
	return d, c
}

// containerPort is the number a probe's or Service's port names.
func containerPort(c container, port any) int {
	if n, ok := port.(int); ok {
		return n
	}
	for _, p := range c.Ports {
		if p.Name == port {
			return p.ContainerPort
		}
	}
	return 0
}

// env is the container's variables with plain values, and those from a
// Secret as "secret/key".
func env(c container) map[string]string {
	out := map[string]string{}
	for _, e := range c.Env {
		out[e.Name] = e.Value
		if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
			out[e.Name] = e.ValueFrom.SecretKeyRef.Name + "/" + e.ValueFrom.SecretKeyRef.Key
		}
	}
	return out
}

// selects reports whether a selector picks the pods: every label it asks
// for, with the same value.
func selects(selector, podLabels map[string]string) bool {
	for k, v := range selector {
		if podLabels[k] != v {
			return false
		}
	}
	return len(selector) > 0
}

// ptr is what p points to, for messages; nil when it is nil.
func ptr[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// TestChartDefaults renders the default values: three replicas spread over
// nodes, a Service, a disruption budget, a service account, and nothing
// secret, no Ingress, no autoscaler.
func TestChartDefaults(t *testing.T) {
	t.Parallel()
	objects := render(t)
	if got, want := kinds(objects), []string{"Deployment", "PodDisruptionBudget", "Service", "ServiceAccount"}; !slices.Equal(got, want) {
		t.Errorf("the default values render %v, want %v", got, want)
	}
	d, c := checkServer(t, objects)
	pod := d.Spec.Template
	if d.Spec.Replicas == nil || *d.Spec.Replicas != 3 {
		t.Errorf("replicas %v, want 3", ptr(d.Spec.Replicas))
	}
	if !selects(d.Spec.Selector.MatchLabels, pod.Metadata.Labels) {
		t.Errorf("the Deployment's selector %v does not select its pods %v", d.Spec.Selector.MatchLabels, pod.Metadata.Labels)
	}
	if spread := pod.Spec.TopologySpreadConstraints; len(spread) != 1 || spread[0].TopologyKey != "kubernetes.io/hostname" || !selects(spread[0].LabelSelector.MatchLabels, pod.Metadata.Labels) {
		t.Errorf("topologySpreadConstraints %+v: want the pods spread over nodes", spread)
	}
	for name := range env(c) {
		if _, secret := secretKeys[name]; secret {
			t.Errorf("the default values pass %s, with no Secret to take it from", name)
		}
	}

	var sa struct {
		Metadata                     meta  `yaml:"metadata"`
		AutomountServiceAccountToken *bool `yaml:"automountServiceAccountToken"`
	}
	one(t, objects, "ServiceAccount", &sa)
	if sa.Metadata.Name != pod.Spec.ServiceAccountName || sa.AutomountServiceAccountToken == nil || *sa.AutomountServiceAccountToken {
		t.Errorf("ServiceAccount %s (automount %v); the pods run as %s", sa.Metadata.Name, ptr(sa.AutomountServiceAccountToken), pod.Spec.ServiceAccountName)
	}

	var s service
	one(t, objects, "Service", &s)
	if len(s.Spec.Ports) != 1 || s.Spec.Ports[0].Port != 80 || s.Spec.Ports[0].Name != "http" || containerPort(c, s.Spec.Ports[0].TargetPort) != serverPort {
		t.Errorf("Service ports %+v, want http 80 to the container's %d", s.Spec.Ports, serverPort)
	}
	if !selects(s.Spec.Selector, pod.Metadata.Labels) {
		t.Errorf("the Service's selector %v does not select the pods %v", s.Spec.Selector, pod.Metadata.Labels)
	}

	var p pdb
	one(t, objects, "PodDisruptionBudget", &p)
	if p.Spec.MaxUnavailable != 1 || p.Spec.MinAvailable != nil {
		t.Errorf("PodDisruptionBudget maxUnavailable %v, minAvailable %v; want 1 pod at a time, whatever the replica count", p.Spec.MaxUnavailable, p.Spec.MinAvailable)
	}
	if !selects(p.Spec.Selector.MatchLabels, pod.Metadata.Labels) {
		t.Errorf("the PodDisruptionBudget's selector %v does not select the pods %v", p.Spec.Selector.MatchLabels, pod.Metadata.Labels)
	}

	// The chart's appVersion is the server's, which the image tag defaults to.
	var chartYAML struct {
		APIVersion string `yaml:"apiVersion"`
		AppVersion string `yaml:"appVersion"`
	}
	raw, err := os.ReadFile(filepath.Join(chart, "Chart.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(raw, &chartYAML); err != nil {
		t.Fatal(err)
	}
	if _, version, _ := serverJSON(t); chartYAML.APIVersion != "v2" || chartYAML.AppVersion != version {
		t.Errorf("Chart.yaml: apiVersion %s, appVersion %s; want v2 and server.json's version %s", chartYAML.APIVersion, chartYAML.AppVersion, version)
	}
}

// TestChartProduction renders the production-like values: an Ingress to the
// Service, an autoscaler that owns the replica count, the secrets from an
// existing Secret, the public URL and the proxies.
func TestChartProduction(t *testing.T) {
	t.Parallel()
	objects := render(t, "-f", productionValues)
	if got, want := kinds(objects), []string{"Deployment", "HorizontalPodAutoscaler", "Ingress", "PodDisruptionBudget", "Service", "ServiceAccount"}; !slices.Equal(got, want) {
		t.Errorf("the production values render %v, want %v", got, want)
	}
	d, c := checkServer(t, objects)
	if d.Spec.Replicas != nil {
		t.Errorf("replicas %d with the autoscaler on: each upgrade would reset what it chose", *d.Spec.Replicas)
	}
	var h hpa
	one(t, objects, "HorizontalPodAutoscaler", &h)
	if h.Spec.ScaleTargetRef.Kind != "Deployment" || h.Spec.ScaleTargetRef.Name != d.Metadata.Name || h.Spec.MinReplicas < 2 || h.Spec.MaxReplicas < h.Spec.MinReplicas {
		t.Errorf("HorizontalPodAutoscaler %+v: want the Deployment %s, at least 2 replicas", h.Spec, d.Metadata.Name)
	}

	var values struct {
		Config struct {
			PublicURL string `yaml:"publicUrl"`
		} `yaml:"config"`
		Secret struct {
			ExistingSecret string `yaml:"existingSecret"`
		} `yaml:"secret"`
	}
	raw, err := os.ReadFile(productionValues)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(raw, &values); err != nil {
		t.Fatal(err)
	}
	vars := env(c)
	public, err := url.Parse(vars["LIGHTFIELD_PUBLIC_URL"])
	if err != nil || public.Scheme != "https" || vars["LIGHTFIELD_PUBLIC_URL"] != values.Config.PublicURL {
		t.Errorf("LIGHTFIELD_PUBLIC_URL %q, want the values' https:// address %q", vars["LIGHTFIELD_PUBLIC_URL"], values.Config.PublicURL)
	}
	if vars["LIGHTFIELD_TRUSTED_PROXIES"] == "" {
		t.Error("LIGHTFIELD_TRUSTED_PROXIES is not set behind the ingress")
	}
	for name, key := range secretKeys {
		if want := values.Secret.ExistingSecret + "/" + key; vars[name] != want {
			t.Errorf("%s from %q, want the existing Secret's key (%s)", name, vars[name], want)
		}
	}
	if _, rolls := d.Spec.Template.Metadata.Annotations["checksum/secret"]; rolls {
		t.Error("a checksum of a Secret the chart does not create")
	}

	var s service
	one(t, objects, "Service", &s)
	var ing ingress
	m := one(t, objects, "Ingress", &ing)
	routed, tls := false, false
	for _, rule := range ing.Spec.Rules {
		for _, p := range rule.HTTP.Paths {
			if p.Backend.Service.Name != m.Metadata.Name || p.Backend.Service.Port.Name != s.Spec.Ports[0].Name || p.Path != "/" {
				t.Errorf("Ingress %s%s goes to %+v, want the Service %s's port %s at the root", rule.Host, p.Path, p.Backend.Service, m.Metadata.Name, s.Spec.Ports[0].Name)
			}
		}
		routed = routed || rule.Host == public.Hostname()
	}
	for _, entry := range ing.Spec.TLS {
		tls = tls || slices.Contains(entry.Hosts, public.Hostname())
	}
	if !routed || !tls {
		t.Errorf("the Ingress routes %s: %v, with TLS: %v", public.Hostname(), routed, tls)
	}
}

// TestChartCreatesSecret gives the secrets as values: the chart puts them in
// a Secret of its own, the pods read them from there (and roll when it
// changes), and they appear nowhere else. Both an existing Secret and values
// is refused.
func TestChartCreatesSecret(t *testing.T) {
	t.Parallel()
	given := map[string]string{
		"token-secret":      "token-secret-value-0123456789abcdef",
		"token-old-secrets": "old-secret-value-0123456789abcdef",
		"api-key":           "sk_lf_apikeyvalue0123456789",
	}
	args := []string{"--set", "config.publicUrl=https://mcp.example.com",
		"--set", "secret.tokenSecret=" + given["token-secret"],
		"--set", "secret.tokenOldSecrets=" + given["token-old-secrets"],
		"--set", "secret.apiKey=" + given["api-key"]}
	objects := render(t, args...)
	d, c := checkServer(t, objects)
	var s secret
	m := one(t, objects, "Secret", &s)
	if len(s.StringData) > 0 {
		t.Error("stringData: the Secret's values belong in data")
	}
	for key, value := range given {
		if got, _ := base64.StdEncoding.DecodeString(s.Data[key]); string(got) != value {
			t.Errorf("the Secret's %s is %q, want the value given", key, got)
		}
	}
	vars := env(c)
	for name, key := range secretKeys {
		if want := m.Metadata.Name + "/" + key; vars[name] != want {
			t.Errorf("%s from %q, want the chart's Secret's key (%s)", name, vars[name], want)
		}
	}
	if d.Spec.Template.Metadata.Annotations["checksum/secret"] == "" {
		t.Error("no checksum/secret annotation: the pods would not roll when the Secret changes")
	}
	for _, o := range objects {
		for _, value := range given {
			if o.Kind != "Secret" && (strings.Contains(o.text, value) || strings.Contains(o.text, base64.StdEncoding.EncodeToString([]byte(value)))) {
				t.Errorf("the %s holds a secret value", o.Kind)
			}
		}
	}

	if _, err := helmTemplate(t, append(args, "--set", "secret.existingSecret=lightfield-mcp-secrets")...); err == nil || !strings.Contains(err.Error(), "not both") {
		t.Errorf("an existing Secret and secret values at once: %v, want refused", err)
	}
}

// TestChartInREADME holds the README's Kubernetes commands to the chart: the
// helm install names this chart, and the Secret it creates is the one the
// production values name, with keys the chart reads. The pinned helm is the
// one ./test.sh runs.
func TestChartInREADME(t *testing.T) {
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(raw)
	if !strings.Contains(readme, "helm install lightfield-mcp ./deploy/helm/"+chart+" ") {
		t.Error("the README does not show helm install with ./deploy/helm/" + chart)
	}
	// The command, its continuation lines joined.
	create := regexp.MustCompile(`(?m)^kubectl create secret generic (\S+)(.*)$`).FindStringSubmatch(strings.ReplaceAll(readme, "\\\n", " "))
	if create == nil {
		t.Fatal("the README shows no kubectl create secret generic")
	}
	var values struct {
		Secret struct {
			ExistingSecret string `yaml:"existingSecret"`
		} `yaml:"secret"`
	}
	raw, err = os.ReadFile(productionValues)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(raw, &values); err != nil {
		t.Fatal(err)
	}
	if create[1] != values.Secret.ExistingSecret {
		t.Errorf("the README creates the Secret %s; %s names %s", create[1], productionValues, values.Secret.ExistingSecret)
	}
	keys := regexp.MustCompile(`--from-literal=([a-z-]+)=`).FindAllStringSubmatch(create[2], -1)
	if len(keys) == 0 {
		t.Fatal("the README's Secret has no keys")
	}
	for _, k := range keys {
		if !slices.Contains(slices.Collect(maps.Values(secretKeys)), k[1]) {
			t.Errorf("the README's Secret has the key %s, which the chart does not read", k[1])
		}
	}
	script, err := os.ReadFile("../../test.sh")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(script), "go run "+pinnedHelm) {
		t.Errorf("./test.sh does not run go run %s, which this test runs", pinnedHelm)
	}
}
