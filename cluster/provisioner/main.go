// Command provisioner serves a StorageClass of the local cluster: each PVC gets a new
// directory under --dir (the node directory --host-dir, mounted into this pod) and a
// "local" PersistentVolume pinned to this node. Deleting the PV deletes the directory.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"
	"sigs.k8s.io/sig-storage-lib-external-provisioner/v11/controller"
)

type dirProvisioner struct {
	dir, hostDir, node string
}

func (p *dirProvisioner) Provision(ctx context.Context, opts controller.ProvisionOptions) (*v1.PersistentVolume, controller.ProvisioningState, error) {
	if opts.SelectedNode != nil && opts.SelectedNode.Name != p.node {
		return nil, controller.ProvisioningFinished, fmt.Errorf("node %s is not %s, whose disk this provisioner serves", opts.SelectedNode.Name, p.node)
	}
	name := opts.PVC.Namespace + "-" + opts.PVC.Name + "-" + opts.PVName
	// 0777: a pod's non-root user must be able to write the volume's top directory, whatever
	// its uid (the kubelet applies fsGroup to local volumes, but not every pod sets one).
	if err := os.Mkdir(filepath.Join(p.dir, name), 0o777); err != nil && !errors.Is(err, os.ErrExist) {
		return nil, controller.ProvisioningFinished, err
	}
	if err := os.Chmod(filepath.Join(p.dir, name), 0o777); err != nil {
		return nil, controller.ProvisioningFinished, err
	}
	mode := v1.PersistentVolumeFilesystem
	pv := &v1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{Name: opts.PVName},
		Spec: v1.PersistentVolumeSpec{
			PersistentVolumeReclaimPolicy: *opts.StorageClass.ReclaimPolicy,
			AccessModes:                   opts.PVC.Spec.AccessModes,
			VolumeMode:                    &mode,
			Capacity:                      v1.ResourceList{v1.ResourceStorage: opts.PVC.Spec.Resources.Requests[v1.ResourceStorage]},
			StorageClassName:              opts.StorageClass.Name,
			PersistentVolumeSource: v1.PersistentVolumeSource{
				Local: &v1.LocalVolumeSource{Path: filepath.Join(p.hostDir, name)},
			},
			NodeAffinity: &v1.VolumeNodeAffinity{Required: &v1.NodeSelector{
				NodeSelectorTerms: []v1.NodeSelectorTerm{{MatchExpressions: []v1.NodeSelectorRequirement{{
					Key: "kubernetes.io/hostname", Operator: v1.NodeSelectorOpIn, Values: []string{p.node},
				}}}},
			}},
		},
	}
	klog.InfoS("provisioned", "pv", opts.PVName, "claim", klog.KObj(opts.PVC), "path", pv.Spec.Local.Path)
	return pv, controller.ProvisioningFinished, nil
}

func (p *dirProvisioner) Delete(ctx context.Context, pv *v1.PersistentVolume) error {
	if pv.Spec.Local == nil || !strings.HasPrefix(pv.Spec.Local.Path, p.hostDir+"/") {
		return &controller.IgnoredError{Reason: "not a volume of this provisioner"}
	}
	path := filepath.Join(p.dir, strings.TrimPrefix(pv.Spec.Local.Path, p.hostDir+"/"))
	klog.InfoS("deleting", "pv", pv.Name, "path", path)
	return os.RemoveAll(path)
}

func main() {
	name := flag.String("name", "chartgen.local/local-dir", "provisioner name (the StorageClass's provisioner)")
	dir := flag.String("dir", "/volumes", "directory holding the volumes, as this process sees it")
	hostDir := flag.String("host-dir", "", "the same directory's path on the node (required)")
	klog.InitFlags(nil)
	flag.Parse()
	node := os.Getenv("NODE_NAME")
	if *hostDir == "" || node == "" {
		klog.Fatal("--host-dir and $NODE_NAME are required")
	}
	config, err := rest.InClusterConfig()
	if err != nil {
		klog.Fatal(err)
	}
	client := kubernetes.NewForConfigOrDie(config)
	ctx := context.Background()
	p := &dirProvisioner{dir: *dir, hostDir: filepath.Clean(*hostDir), node: node}
	// One replica on one node: no leader election needed.
	controller.NewProvisionController(ctx, client, *name, p, controller.LeaderElection(false)).Run(ctx)
}
