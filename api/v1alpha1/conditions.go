package v1alpha1

// Condition types. Every status carries metav1.Condition entries of these types.
const (
	// ConditionReady on a MemberCluster: the cluster answers and has at least one Ready node.
	// On an Application: every placed cluster runs the desired replicas of the current revision.
	ConditionReady = "Ready"
	// ConditionReachable on a MemberCluster: the hub can talk to the cluster's API server.
	ConditionReachable = "Reachable"

	// ConditionScheduled on an Application: a placement decision was made.
	ConditionScheduled = "Scheduled"
	// ConditionApplied on an Application: every chosen cluster accepted the current revision.
	ConditionApplied = "Applied"
	// ConditionAvailable on an Application: the ready replicas across the fleet meet the desired count.
	ConditionAvailable = "Available"
	// ConditionProgressing on an Application: a change is being rolled out.
	ConditionProgressing = "Progressing"
)

// Reason is a CamelCase machine-readable reason of a condition.
type Reason = string

// Reasons of MemberCluster conditions.
const (
	ReasonProbeSucceeded     Reason = "ProbeSucceeded"
	ReasonProbeFailed        Reason = "ProbeFailed"
	ReasonCredentialMissing  Reason = "CredentialMissing"
	ReasonCredentialInvalid  Reason = "CredentialInvalid"
	ReasonUnauthorized       Reason = "Unauthorized"
	ReasonNoReadyNodes       Reason = "NoReadyNodes"
	ReasonNodesReady         Reason = "NodesReady"
	ReasonAwaitingFirstProbe Reason = "AwaitingFirstProbe"
)

// Reasons of Application conditions.
const (
	ReasonScheduled          Reason = "Scheduled"
	ReasonNoClusterFits      Reason = "NoClusterFits"
	ReasonInvalidSpec        Reason = "InvalidSpec"
	ReasonApplied            Reason = "Applied"
	ReasonApplyFailed        Reason = "ApplyFailed"
	ReasonClusterUnreachable Reason = "ClusterUnreachable"
	ReasonReplicasReady      Reason = "ReplicasReady"
	ReasonReplicasNotReady   Reason = "ReplicasNotReady"
	ReasonRolloutInProgress  Reason = "RolloutInProgress"
	ReasonRolloutComplete    Reason = "RolloutComplete"
	ReasonFailoverInProgress Reason = "FailoverInProgress"
)

// Well-known labels and annotations.
const (
	// LabelRegion and LabelZone on a MemberCluster mirror spec.region and spec.zone for selectors.
	LabelRegion = "topology.flotilla.dev/region"
	LabelZone   = "topology.flotilla.dev/zone"
	// LabelClusterID on a MemberCluster is the UID of the member's kube-system namespace: the
	// identity used to refuse joining one cluster twice under two names.
	LabelClusterID = "flotilla.dev/cluster-id"

	// LabelApplication, LabelApplicationNamespace and LabelManagedBy tie an object in a member
	// cluster to the Application that put it there.
	LabelApplication          = "flotilla.dev/application"
	LabelApplicationNamespace = "flotilla.dev/application-namespace"
	LabelManagedBy            = "app.kubernetes.io/managed-by"
	// ManagedByFlotilla is the value of LabelManagedBy on objects Flotilla created.
	ManagedByFlotilla = "flotilla"
	// AnnotationRevision on a member object names the ApplicationRevision it was applied from.
	AnnotationRevision = "flotilla.dev/revision"

	// LabelRevisionApplication on an ApplicationRevision names its Application.
	LabelRevisionApplication = "flotilla.dev/application"

	// SystemNamespace holds Flotilla's own objects in the hub, member credentials among them.
	SystemNamespace = "flotilla-system"
)
