"""Finding the article's pitfalls in Kubernetes manifests before they are applied."""
