/**
 * The subset of onnx.proto (ONNX IR, https://github.com/onnx/onnx/blob/main/onnx/onnx.proto) that
 * the exporter writes and `cgan info` reads, with the spec's field numbers and packing (onnx.proto
 * is proto2: `dims` and attribute lists are unpacked, tensor data lists packed). Messages keep only the
 * fields we use; protobuf skips unknown fields on decode, so a full ONNX file still reads.
 */
import { ONNX_TYPE } from '../runtime/generator-contract.ts';
import protobuf from 'protobufjs';

const ONNX_SUBSET_PROTO = `
syntax = "proto3";
package onnx;

message AttributeProto {
  enum AttributeType {
    UNDEFINED = 0; FLOAT = 1; INT = 2; STRING = 3; TENSOR = 4; GRAPH = 5;
    FLOATS = 6; INTS = 7; STRINGS = 8; TENSORS = 9; GRAPHS = 10;
  }
  string name = 1;
  AttributeType type = 20;
  float f = 2;
  int64 i = 3;
  bytes s = 4;
  TensorProto t = 5;
  repeated float floats = 7 [packed = false];
  repeated int64 ints = 8 [packed = false];
}

message ValueInfoProto {
  string name = 1;
  TypeProto type = 2;
  string doc_string = 3;
}

message NodeProto {
  repeated string input = 1;
  repeated string output = 2;
  string name = 3;
  string op_type = 4;
  string domain = 7;
  repeated AttributeProto attribute = 5;
  string doc_string = 6;
}

message ModelProto {
  int64 ir_version = 1;
  repeated OperatorSetIdProto opset_import = 8;
  string producer_name = 2;
  string producer_version = 3;
  string domain = 4;
  int64 model_version = 5;
  string doc_string = 6;
  GraphProto graph = 7;
  repeated StringStringEntryProto metadata_props = 14;
}

message StringStringEntryProto {
  string key = 1;
  string value = 2;
}

message GraphProto {
  repeated NodeProto node = 1;
  string name = 2;
  repeated TensorProto initializer = 5;
  string doc_string = 10;
  repeated ValueInfoProto input = 11;
  repeated ValueInfoProto output = 12;
  repeated ValueInfoProto value_info = 13;
}

message TensorProto {
  enum DataType {
    UNDEFINED = 0; FLOAT = 1; UINT8 = 2; INT8 = 3; UINT16 = 4; INT16 = 5; INT32 = 6; INT64 = 7;
    STRING = 8; BOOL = 9; FLOAT16 = 10; DOUBLE = 11; UINT32 = 12; UINT64 = 13; BFLOAT16 = 16;
  }
  repeated int64 dims = 1 [packed = false];
  int32 data_type = 2;
  repeated float float_data = 4 [packed = true];
  repeated int32 int32_data = 5 [packed = true];
  repeated int64 int64_data = 7 [packed = true];
  string name = 8;
  bytes raw_data = 9;
  string doc_string = 12;
}

message TensorShapeProto {
  message Dimension {
    oneof value {
      int64 dim_value = 1;
      string dim_param = 2;
    }
  }
  repeated Dimension dim = 1;
}

message TypeProto {
  message Tensor {
    int32 elem_type = 1;
    TensorShapeProto shape = 2;
  }
  oneof value {
    Tensor tensor_type = 1;
  }
}

message OperatorSetIdProto {
  string domain = 1;
  int64 version = 2;
}
`;

export const root = protobuf.parse(ONNX_SUBSET_PROTO, { keepCase: true }).root;

export const ModelProto = root.lookupType('onnx.ModelProto');

/** TensorProto.DataType values used here: the contract's (a test checks them against the schema above). */
export const DataType = ONNX_TYPE;
/** AttributeProto.AttributeType values used here. */
export const AttrType = { FLOAT: 1, INT: 2, INTS: 7 } as const;

/** IR version 8 goes with opset 17 (onnx/docs/Versioning.md); onnxruntime 1.30 reads both. */
export const IR_VERSION = 8;
export const OPSET = 17;

/** Plain-object views of the messages, as protobufjs's `toObject` returns them (longs as numbers). */
export interface Dim {
  dim_value?: number;
  dim_param?: string;
}
export interface ValueInfo {
  name: string;
  type?: { tensor_type?: { elem_type: number; shape?: { dim?: Dim[] } } };
}
export interface Attribute {
  name: string;
  type: number;
  f?: number;
  i?: number;
  ints?: number[];
}
export interface Node {
  input: string[];
  output: string[];
  name?: string;
  op_type: string;
  attribute?: Attribute[];
}
export interface Tensor {
  name: string;
  dims: number[];
  data_type: number;
  raw_data?: Uint8Array;
  int64_data?: number[];
}
export interface Graph {
  node: Node[];
  name: string;
  initializer: Tensor[];
  input: ValueInfo[];
  output: ValueInfo[];
}
export interface Model {
  ir_version: number;
  opset_import: { domain?: string; version: number }[];
  producer_name: string;
  producer_version: string;
  doc_string?: string;
  graph: Graph;
  metadata_props: { key: string; value: string }[];
}

export function encodeModel(m: Model): Uint8Array {
  const err = ModelProto.verify(m);
  if (err) throw new Error(`internal: invalid ONNX model object: ${err}`);
  return ModelProto.encode(ModelProto.fromObject(m)).finish();
}

/**
 * Decodes with protobufjs (full decode, initializers included); for `cgan info`, tests and the
 * benchmark. Absent fields stay absent (no `defaults`), so decode -> edit -> encode round-trips:
 * onnxruntime rejects an attribute that carries a value field besides the one its type names.
 */
export function decodeModel(bytes: Uint8Array): Model {
  const msg = ModelProto.decode(bytes);
  return ModelProto.toObject(msg, { longs: Number, arrays: true }) as unknown as Model;
}
