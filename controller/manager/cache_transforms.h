#pragma once

#include <nlohmann/json.hpp>

#include "kube/store.h"

namespace ps::reconcile {

// Informer transforms (client-go's SetTransform): what the controller caches of each object is
// only what a visit reads, so 10,000 cached runs and their Pods stay small. Each keeps
// - for every object: apiVersion, kind and the metadata the cache, the work queue and Events
//   need (name, namespace, uid, resourceVersion, generation, creationTimestamp,
//   deletionTimestamp, labels, ownerReferences);
// - PluginRun: spec whole; status whole until the run is finished (a visit rebuilds status from
//   the cached one, so dropping a field would erase it on the next write); a finished run's status
//   is never written again, so of it only the Succeeded condition's type/status/reason, start and
//   completion time, podName and observedGeneration stay;
// - Pod: spec.activeDeadlineSeconds, and the status fields observePod reads (phase, reason,
//   message, startTime, each container's name and state).
// Safe because the controller writes runs only through the status subresource, where the API
// server keeps its own copy of everything but status; a full PUT from this cache would drop the
// trimmed fields (annotations, finalizers) and must never be added.
void trimPluginRun(nlohmann::json& run);
void trimPod(nlohmann::json& pod);

// The PluginRun informer's transform: trimPluginRun, and a finished run then packed, since most
// cached runs are finished ones and a JSON tree costs ~3.6 KB where its MessagePack bytes take
// ~0.45 KB. A packed run keeps metadata name, namespace and resourceVersion as members (what the
// store, the work queue and the informer read) and the trimmed run as MessagePack under
// kPackedRun. Readers of whole runs unpack (unpackedRun); those that only look for runs holding or
// waiting for a slot skip packed ones (isPackedRun: always finished).
inline constexpr const char* kPackedRun = "plugin-sandbox.io/packed-finished-run";
void trimAndPackPluginRun(nlohmann::json& run);
bool isPackedRun(const nlohmann::json& run);
// The trimmed run `run` stands for (itself when not packed); null when its bytes do not unpack.
kube::ObjectPtr unpackedRun(const kube::ObjectPtr& run);

// A ConfigMap as the plugin cache keeps it: metadata (as above) and, for a plugin ConfigMap (one
// with a manifest.json key in data or binaryData), data and binaryData whole, so a visit reads
// the same bytes a GET would have returned, paired with the resourceVersion they came with. Any
// other ConfigMap keeps its metadata only and is marked with kContentDropped: a visit that needs
// one reads it with a live GET, so its rejection is the same as before the cache.
inline constexpr const char* kContentDropped = "plugin-sandbox.io/content-dropped";
void trimConfigMap(nlohmann::json& configMap);
bool contentDropped(const nlohmann::json& configMap);

}  // namespace ps::reconcile
