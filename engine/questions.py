"""The questions of the decision, in the order the article's five steps ask them.

Prompts are ours; every rule they feed (15 services, three criteria, kernel 5.10, …) is read
from the knowledge base, so the wording here never carries a number about meshes.
"""

from __future__ import annotations

from engine.answers import Choice, Question

LANGUAGES = (
    Choice(value="go", label="Go", aliases=("golang",)),
    Choice(value="java", label="Java", aliases=("jvm",)),
    Choice(value="kotlin", label="Kotlin"),
    Choice(value="scala", label="Scala"),
    Choice(value="python", label="Python", aliases=("py", "django", "flask")),
    Choice(
        value="node",
        label="Node.js",
        aliases=("nodejs", "node js", "javascript", "js", "typescript", "ts"),
    ),
    Choice(value="dotnet", label=".NET", aliases=("c#", "csharp", "dot net", ".net core", "f#")),
    Choice(value="ruby", label="Ruby", aliases=("rails",)),
    Choice(value="php", label="PHP"),
    Choice(value="rust", label="Rust"),
    Choice(value="cpp", label="C++", aliases=("c++", "cplusplus")),
    Choice(value="elixir", label="Elixir", aliases=("erlang",)),
)

ISTIO_FEATURES = (
    Choice(
        value="multi-cluster-federation",
        label="Multi-cluster federation",
        aliases=("multi-cluster", "multicluster", "federation", "multi cluster"),
    ),
    Choice(
        value="external-authorization",
        label="External authorization",
        aliases=("ext authz", "ext-authz", "extauthz", "opa", "external authz"),
    ),
    Choice(
        value="jwt-request-authentication",
        label="JWT request authentication",
        aliases=("jwt", "requestauthentication", "request authentication", "oidc"),
    ),
    Choice(
        value="websocket-grpc-retries",
        label="WebSocket and gRPC retry semantics",
        aliases=("websocket", "grpc retries", "websockets", "grpc"),
    ),
)

QUESTIONS: tuple[Question, ...] = (
    Question(
        id="services",
        step=1,
        prompt="How many services do you run in production?",
        help="Count deployable services, not pods or replicas.",
        type="integer",
        example="about 40 services",
        entry="step.count-services",
    ),
    Question(
        id="teams",
        step=1,
        prompt="How many teams own those services?",
        help="Teams that ship and run services on their own, not people.",
        type="integer",
        example="3 teams",
        entry="step.count-services",
    ),
    Question(
        id="compliance",
        step=2,
        prompt=(
            "Does a regulation you are audited against (SOC 2, PCI-DSS, HIPAA, …) explicitly "
            "require mutual authentication between internal services?"
        ),
        help="Check your actual compliance language, not a vendor's summary of it.",
        type="yes-no",
        example="yes, PCI-DSS",
        entry="step.check-compliance",
        # Naming a regulation answers yes; "none" answers no.
        yes_also=("pci-dss", "pci dss", "pci", "hipaa", "fedramp", "soc 2", "soc2", "iso 27001"),
        no_also=("none", "no regulation", "nothing", "not audited", "not regulated"),
    ),
    Question(
        id="languages",
        step=3,
        prompt="Which languages are your services written in?",
        help="List them all; each language needs its own retry and timeout library without a mesh.",
        type="many-of",
        choices=LANGUAGES,
        open_choices=True,
        example="Go, Java and Python",
        entry="step.assess-graph-diversity",
    ),
    Question(
        id="canary_everywhere",
        step=3,
        prompt="Must every service's deploys go through a canary phase, across the whole fleet?",
        help="A fleet-wide rule, not one or two services that do canaries.",
        type="yes-no",
        example="no",
        entry="crit.progressive-delivery",
    ),
    Question(
        id="motivation",
        step=3,
        prompt="Are you adopting a mesh to fix pain you have now, or to be ready for later?",
        help="Retries, certificates or traffic shifting hurting today, or a plan for the future.",
        type="one-of",
        choices=(
            Choice(
                value="pain-now",
                label="Pain we have now",
                aliases=("pain", "now", "today", "current", "we have problems"),
            ),
            Choice(
                value="be-ready",
                label="To be ready",
                aliases=("ready", "later", "future", "just in case", "prepare", "preparing"),
            ),
        ),
        example="pain we have now",
        entry="anti.want-to-be-ready",
    ),
    Question(
        id="deploy_together",
        step=3,
        prompt="Do your services deploy together (a monorepo released as one)?",
        help="If everything redeploys at once, traffic shifting between versions buys little.",
        type="yes-no",
        example="no, each service deploys on its own",
        entry="anti.monorepo-coupled-deploys",
    ),
    Question(
        id="latency_slo_ms",
        step=3,
        prompt="What is your tightest p99 latency SLO, in milliseconds? ('none' if you have none)",
        help="The most demanding user-facing or pipeline SLO you hold.",
        type="integer",
        example="50",
        optional=True,
        entry="anti.latency-sensitive",
    ),
    Question(
        id="latency_measured",
        step=3,
        prompt=(
            "Have you measured a mesh's added p99 on your own traffic, across your real call "
            "depth, and does it fit that SLO?"
        ),
        help="A benchmark from a vendor or a blog does not count; your services and hardware do.",
        type="yes-no",
        example="not yet",
        optional=True,
        entry="anti.latency-sensitive",
        no_also=("not yet", "haven't", "have not"),
    ),
    Question(
        id="platform_capacity",
        step=4,
        prompt=(
            "Can your platform team own a system as demanding as a relational database: "
            "its own upgrade cycles, CRDs and data-path debugging?"
        ),
        help="Be honest about people and on-call time, not skills alone.",
        type="yes-no",
        example="not really, we are two people",
        entry="step.evaluate-platform-capacity",
    ),
    Question(
        id="main_concern",
        step=5,
        prompt="What matters most to you in a data plane?",
        help="Pick the one you would trade the others for.",
        type="one-of",
        choices=(
            Choice(
                value="sidecar-overhead",
                label="Low resource and latency overhead",
                aliases=("overhead", "sidecar overhead", "resources", "cost", "memory", "latency"),
            ),
            Choice(
                value="simplicity",
                label="Operational simplicity",
                aliases=("simple", "simplicity", "easy", "less to run", "fewer knobs"),
            ),
            Choice(
                value="features",
                label="The broadest feature set",
                aliases=("features", "feature", "full feature", "everything", "xds"),
            ),
        ),
        example="operational simplicity",
        entry="step.choose-plane",
    ),
    Question(
        id="istio_features",
        step=5,
        prompt="Do you need any of these? (say 'none' if not)",
        help="Features of Istio's full surface that lighter planes do not offer.",
        type="many-of",
        choices=ISTIO_FEATURES,
        example="jwt and external authorization",
        entry="fact.istio-when-full-xds",
    ),
    Question(
        id="kernel",
        step=5,
        prompt="Which Linux kernel do your nodes run? (`uname -r`)",
        help="The oldest kernel in the fleet decides whether Cilium is an option.",
        type="kernel-version",
        example="5.15.0-1051-aws",
        entry="thr.cilium-kernel",
    ),
    Question(
        id="windows_nodes",
        step=5,
        prompt="Do you run any Windows worker nodes?",
        help="Cilium does not support Windows nodes.",
        type="yes-no",
        example="no",
        entry="thr.cilium-windows",
    ),
    Question(
        id="pods",
        step=5,
        prompt="How many pods would join the mesh? (for the cost table; 'skip' to leave it out)",
        help="All replicas of all meshed services.",
        type="integer",
        example="200 pods",
        optional=True,
        entry="fact.fleet-memory-istio-200-pods",
    ),
    Question(
        id="rps_per_pod",
        step=5,
        prompt=(
            "About how many requests per second does a typical meshed pod serve? ('skip' to use "
            "the article's 1,000)"
        ),
        help="Proxy CPU follows traffic; most pods serve far less than the article's example.",
        type="integer",
        example="50",
        optional=True,
        entry="fact.moderate-load-rps",
    ),
    Question(
        id="call_depth",
        step=5,
        prompt=(
            "How many service-to-service calls does one user request pass through, at most? "
            "('skip' for one)"
        ),
        help="Each hop crosses the mesh again, so the added latency multiplies by this.",
        type="integer",
        example="6",
        optional=True,
        entry="fact.fanout-latency-high",
    ),
)

BY_ID = {question.id: question for question in QUESTIONS}
