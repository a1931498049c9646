# The controller image: plugin-controller and exactly the shared libraries it links (resolved with
# ldd by build-controller.sh), the dynamic loader, an empty /tmp. No shell, no package manager, no
# Python: in a cluster the controller only creates sandbox Pods (`--executor pod`); it never runs a
# plugin itself (see the chart's values.schema.json).
#
# Build context (assembled by deploy/images/build-controller.sh): rootfs/, the image's whole tree.
# The OCI labels (source, revision, version) are passed by the build script with --label.
FROM scratch
COPY rootfs/ /
# The chart mounts an emptyDir at /tmp; the rest of the root is read-only in the Pod.
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/plugin-controller"]
