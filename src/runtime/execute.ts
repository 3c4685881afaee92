import { arimaFitKernel, arimaForecastKernel, kmeansFit, kmeansMiniBatch, kmeansPredict, kmeansSeedCenters, silhouetteScore, type Kernels } from '../kernels/index.js';
import type { ObjectSpec, ResultOf, Task } from './protocol.js';

interface LiveObject {
  kind: ObjectSpec['kind'];
  ptr: number;
}

/**
 * Runs tasks on one kernels instance, with the stateful objects created on it. The same code
 * runs inline and inside each worker, so both paths give identical results.
 */
export class Executor {
  private readonly objects = new Map<number, LiveObject>();

  constructor(readonly kernels: Kernels) {}

  run<T extends Task>(task: T): ResultOf<T> {
    return this.dispatch(task) as ResultOf<T>;
  }

  private object(id: number): LiveObject {
    const o = this.objects.get(id);
    if (!o) throw new Error(`avila-telemetry: no object ${id} in this kernels instance`);
    return o;
  }

  private dispatch(task: Task): unknown {
    const k = this.kernels;
    switch (task.op) {
      case 'summary':
        return k.summary(task.values);
      case 'quantiles':
        return k.quantilesSorted(task.values, task.probs);
      case 'detect': {
        const ptr = k.detectorOpen(task);
        try {
          return k.detectorPushMany(ptr, task.values);
        } finally {
          k.detectorFree(ptr);
        }
      }
      case 'arima.fit':
        return arimaFitKernel(k, task.values, task.spec, task.xreg);
      case 'arima.forecast':
        return arimaForecastKernel(k, task.values, task.spec, task.coef, task.h, task.xreg, task.newxreg);
      case 'kmeans':
        return kmeansFit(k, task);
      case 'kmeans.seed':
        return kmeansSeedCenters(k, task.data, task.dims, task.k, task.init, task.seed);
      case 'kmeans.predict':
        return kmeansPredict(k, task.data, task.dims, task.centroids);
      case 'kmeans.minibatch':
        return kmeansMiniBatch(k, task.data, task.dims, task.centroids, task.counts);
      case 'silhouette':
        return silhouetteScore(k, task.data, task.dims, task.labels, task.k);
      case 'ping':
        return { memoryBytes: k.memoryBytes, objects: this.objects.size };
      case 'object.create': {
        this.dispose(task.id);
        let ptr: number;
        if (task.kind === 'detector') {
          const c = task.config;
          ptr = task.state ? k.detectorLoad(task.state) : k.detectorOpen(task.config);
        } else {
          ptr = task.state ? k.sketchDeserialize(task.state) : k.sketchCreate(task.config.relativeAccuracy, task.config.maxBuckets);
        }
        if (ptr === 0) throw new Error(`avila-telemetry: could not restore ${task.kind} ${task.id} from its saved state`);
        this.objects.set(task.id, { kind: task.kind, ptr });
        return null;
      }
      case 'object.push': {
        const o = this.object(task.id);
        if (o.kind === 'detector') return k.detectorPushMany(o.ptr, task.values);
        k.sketchAddMany(o.ptr, task.values);
        return null;
      }
      case 'object.quantiles': {
        const o = this.object(task.id);
        if (o.kind !== 'sketch') throw new TypeError(`object ${task.id} is a ${o.kind}, not a sketch`);
        return k.sketchQuantiles(o.ptr, task.probs);
      }
      case 'object.save': {
        const o = this.object(task.id);
        return o.kind === 'detector' ? k.detectorSave(o.ptr) : k.sketchSerialize(o.ptr);
      }
      case 'object.dispose':
        this.dispose(task.id);
        return null;
    }
  }

  private dispose(id: number): void {
    const o = this.objects.get(id);
    if (!o) return;
    if (o.kind === 'detector') this.kernels.detectorFree(o.ptr);
    else this.kernels.sketchFree(o.ptr);
    this.objects.delete(id);
  }
}
