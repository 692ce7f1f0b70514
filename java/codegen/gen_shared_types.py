#!/usr/bin/env python3
"""Generates the twelve typed Value and Array classes of org.mproc.shared.

Java has no generics over primitives, so SharedByte ... SharedDouble and SharedByteArray ...
SharedDoubleArray differ only in their primitive type and in how that type reaches memory (the
JDK's own AtomicInteger/AtomicLong are written twice for the same reason). They are generated
from the templates below; edit this file, not the generated ones, then run it:

    python3 java/codegen/gen_shared_types.py          # rewrite the classes
    python3 java/codegen/gen_shared_types.py --check  # fail if they differ (CI runs this)
"""
import os
import sys

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'src', 'main', 'java',
                   'org', 'mproc', 'shared') + os.sep
GENERATED = {}
T = {
 # name: (java prim, Boxed, ElementType, bytes, kind, putter, mem get/set/cas/add expression fragments)
 'Byte':   dict(p='byte',   et='INT8',    n=1, kind='lane'),
 'Short':  dict(p='short',  et='INT16',   n=2, kind='lane'),
 'Int':    dict(p='int',    et='INT32',   n=4, kind='int'),
 'Long':   dict(p='long',   et='INT64',   n=8, kind='long'),
 'Float':  dict(p='float',  et='FLOAT32', n=4, kind='float'),
 'Double': dict(p='double', et='FLOAT64', n=8, kind='double'),
}
PY = {'Byte':"'b' (Python {@code Value('b')}, C {@code MPROC_INT8})",
      'Short':"'h' (Python {@code Value('h')}, C {@code MPROC_INT16})",
      'Int':"'i' (Python {@code Value('i')}, C {@code MPROC_INT32})",
      'Long':"'q' (Python {@code Value('q')}, C {@code MPROC_INT64})",
      'Float':"'f' (Python {@code Value('f')}, C {@code MPROC_FLOAT32})",
      'Double':"'d' (Python {@code Value('d')}, C {@code MPROC_FLOAT64})"}
ATOMIC = {'Byte':'AtomicInteger','Short':'AtomicInteger','Int':'AtomicInteger','Long':'AtomicLong','Float':'AtomicLong','Double':'AtomicLong'}

def ops(t, off):
    k=T[t]['kind']; p=T[t]['p']
    if k=='lane':
        w=T[t]['n']; get='getByte' if w==1 else 'getShort'; set_='setByte' if w==1 else 'setShort'
        return dict(
          get=f'mem.{get}({off})', set=f'mem.{set_}({off}, value)',
          cas=f'casLane({off}, {w}, expected, value, false) == expected',
          rel=f'mem.{set_}({off}, value)',
          add=f'({p}) casLane({off}, {w}, 0, delta, true)',
          bits=None)
    if k=='int':
        return dict(get=f'mem.getInt({off})', set=f'mem.setInt({off}, value)',
          cas=f'mem.compareAndSetInt({off}, expected, value)', add=f'mem.getAndAddInt({off}, delta)',
          rel=f'mem.setIntRelease({off}, value)')
    if k=='long':
        return dict(get=f'mem.getLong({off})', set=f'mem.setLong({off}, value)',
          cas=f'mem.compareAndSetLong({off}, expected, value)', add=f'mem.getAndAddLong({off}, delta)',
          rel=f'mem.setLongRelease({off}, value)')
    if k=='float':
        return dict(get=f'Float.intBitsToFloat(mem.getInt({off}))', set=f'mem.setInt({off}, Float.floatToRawIntBits(value))',
          cas=f'mem.compareAndSetInt({off}, Float.floatToRawIntBits(expected), Float.floatToRawIntBits(value))', add=None,
          rel=f'mem.setIntRelease({off}, Float.floatToRawIntBits(value))')
    if k=='double':
        return dict(get=f'Double.longBitsToDouble(mem.getLong({off}))', set=f'mem.setLong({off}, Double.doubleToRawLongBits(value))',
          cas=f'mem.compareAndSetLong({off}, Double.doubleToRawLongBits(expected), Double.doubleToRawLongBits(value))', add=None,
          rel=f'mem.setLongRelease({off}, Double.doubleToRawLongBits(value))')

def put_init(t, var, idx='0'):
    p=T[t]['p']
    m={'byte':'put','short':'putShort','int':'putInt','long':'putLong','float':'putFloat','double':'putDouble'}[p]
    return m

def value_class(t):
    d=T[t]; p=d['p']; et=d['et']; n=d['n']; cls='Shared'+t
    o=ops(t,'off'); isfloat=d['kind'] in ('float','double')
    addtype = p
    m=[]
    m.append(f'''  /**
   * Reads the value.
   *
   * @return the current value (volatile read)
   */
  public {p} get() {{
    return {o['get']};
  }}

  /**
   * Writes the value.
   *
   * @param value the new value (volatile write)
   */
  public void set({p} value) {{
    {o['set']};
  }}

  /**
   * Writes the value with release ordering, like {{@code AtomicLong.setRelease}}: cheaper than
   * {{@link #set}} (no fence on x86); writes made before it are visible to a process that then
   * reads this value.
   *
   * @param value the new value
   */
  public void setRelease({p} value) {{
    {o['rel']};
  }}

  /**
   * Atomically sets the value if it equals {{@code expected}}{' (compared bit for bit, so NaN matches NaN and -0.0 does not match 0.0)' if isfloat else ''}.
   *
   * @param expected the expected value
   * @param value the new value
   * @return true if the value was {{@code expected}} and is now {{@code value}}
   */
  public boolean compareAndSet({p} expected, {p} value) {{
    return {o['cas']};
  }}

  /**
   * Atomically replaces the value.
   *
   * @param value the new value
   * @return the previous value
   */
  public {p} getAndSet({p} value) {{
    for (;;) {{
      {p} old = get();
      if (compareAndSet(old, value)) {{
        return old;
      }}
    }}
  }}
''')
    if isfloat:
        m.append(f'''
  /**
   * Atomically adds to the value.
   *
   * @param delta the value to add
   * @return the previous value
   */
  public {p} getAndAdd({p} delta) {{
    for (;;) {{
      {p} old = get();
      if (compareAndSet(old, ({p}) (old + delta))) {{
        return old;
      }}
    }}
  }}

  /**
   * Atomically adds to the value.
   *
   * @param delta the value to add
   * @return the new value
   */
  public {p} addAndGet({p} delta) {{
    return ({p}) (getAndAdd(delta) + delta);
  }}
''')
    else:
        m.append(f'''
  /**
   * Atomically adds to the value, wrapping around on overflow.
   *
   * @param delta the value to add
   * @return the previous value
   */
  public {p} getAndAdd({p} delta) {{
    return {o['add']};
  }}

  /**
   * Atomically adds to the value, wrapping around on overflow.
   *
   * @param delta the value to add
   * @return the new value
   */
  public {p} addAndGet({p} delta) {{
    return ({p}) (getAndAdd(delta) + delta);
  }}

  /**
   * Atomically adds one.
   *
   * @return the previous value
   */
  public {p} getAndIncrement() {{
    return getAndAdd(({p}) 1);
  }}

  /**
   * Atomically adds one.
   *
   * @return the new value
   */
  public {p} incrementAndGet() {{
    return addAndGet(({p}) 1);
  }}

  /**
   * Atomically subtracts one.
   *
   * @return the previous value
   */
  public {p} getAndDecrement() {{
    return getAndAdd(({p}) -1);
  }}

  /**
   * Atomically subtracts one.
   *
   * @return the new value
   */
  public {p} decrementAndGet() {{
    return addAndGet(({p}) -1);
  }}
''')
    m.append(f'''
  /**
   * The value as text, like {{@code {'Double' if p=='double' else 'Float' if p=='float' else 'Long' if p=='long' else 'Integer' if p=='int' else 'Short' if p=='short' else 'Byte'}.toString}}.
   *
   * @return the current value formatted
   */
  @Override
  public String toString() {{
    return isClosed() ? "{cls}[closed]" : String.valueOf(get());
  }}
''')
    initm=put_init(t,'b')
    src=f'''// Generated by java/codegen/gen_shared_types.py: edit that file, not this one.
package org.mproc.shared;

/**
 * A {p} in shared memory: Python's {{@code multiprocessing.Value}} with type code {PY[t]},
 * shaped like {{@link java.util.concurrent.atomic.{ATOMIC[t]}}}.
 *
 * <p>Every process that creates or opens it sees the same value; reads and writes are volatile
 * and go straight to the mapped memory (no native call), and the read-modify-write methods are
 * atomic across processes. For compound updates across several calls, hold {{@link #lock()}}
 * (Python's {{@code get_lock()}}). Python's {{@code RawValue}} is the same object without using
 * the lock.
 *
 * <pre>{{@code
 * try ({cls} v = {cls}.create("/counter", ({p}) 0)) {{
 *   v.addAndGet(({p}) 1);          // atomic, from any process that opened "/counter"
 *   try (LockHold h = v.lock()) {{  // with v.get_lock(): v.value = v.value * 2
 *     v.set(({p}) (v.get() * 2));
 *   }}
 * }}
 * }}</pre>
 */
public final class {cls} extends SharedData {{
  private final long off;

  {cls}(long handle, String name) {{
    super(handle, name, ElementType.{et});
    this.off = offset(0);
  }}

  /**
   * Creates an anonymous value, for this process and the children it is handed to.
   *
   * @param initial the initial value
   * @return the new value
   */
  public static {cls} create({p} initial) {{
    return create(null, initial);
  }}

  /**
   * Creates a named value that other processes (Java, C, Python) can open by name.
   *
   * @param name a name such as {{@code "/counter"}}, or {{@code null}} for an anonymous value
   * @param initial the initial value, in place before any other process can see the object
   * @return the new value
   * @throws org.mproc.ObjectExistsException if a live object has that name
   * @throws org.mproc.InvalidNameException if the name is not valid
   */
  public static {cls} create(String name, {p} initial) {{
    byte[] init = initBuffer({n}).{initm}(0, initial).array();
    return new {cls}(createHandle(name, ElementType.{et}, true, 1, init), name);
  }}

  /**
   * Opens a named value created by any process.
   *
   * @param name the name
   * @return the value
   * @throws org.mproc.NoSuchObjectException if no object has that name
   * @throws org.mproc.IncompatibleObjectException if the object is not a {p} Value
   */
  public static {cls} open(String name) {{
    return new {cls}(openHandle(name, ElementType.{et}, true), name);
  }}

{''.join(m)}}}
'''
    GENERATED[cls + '.java'] = src

def array_class(t):
    d=T[t]; p=d['p']; et=d['et']; n=d['n']; cls='Shared'+t+'Array'
    o=ops(t,'offset(index)'); isfloat=d['kind'] in ('float','double')
    m=[]
    m.append(f'''  /**
   * The number of elements.
   *
   * @return the length
   */
  public int length() {{
    return elements();
  }}

  /**
   * Reads an element.
   *
   * @param index the index
   * @return the element (volatile read)
   * @throws IndexOutOfBoundsException if the index is out of bounds
   */
  public {p} get(int index) {{
    return {o['get']};
  }}

  /**
   * Writes an element.
   *
   * @param index the index
   * @param value the new value (volatile write)
   * @throws IndexOutOfBoundsException if the index is out of bounds
   */
  public void set(int index, {p} value) {{
    {o['set']};
  }}

  /**
   * Writes an element with release ordering, like {{@code AtomicIntegerArray.setRelease}}:
   * cheaper than {{@link #set}} (no fence on x86), for filling many elements that another
   * process reads after a later synchronizing step (a {{@link #set}}, a lock, a join).
   *
   * @param index the index
   * @param value the new value
   * @throws IndexOutOfBoundsException if the index is out of bounds
   */
  public void setRelease(int index, {p} value) {{
    {o['rel']};
  }}

  /**
   * Atomically sets an element if it equals {{@code expected}}{' (compared bit for bit)' if isfloat else ''}.
   *
   * @param index the index
   * @param expected the expected value
   * @param value the new value
   * @return true if the swap happened
   */
  public boolean compareAndSet(int index, {p} expected, {p} value) {{
    return {o['cas']};
  }}

  /**
   * Atomically replaces an element.
   *
   * @param index the index
   * @param value the new value
   * @return the previous value
   */
  public {p} getAndSet(int index, {p} value) {{
    for (;;) {{
      {p} old = get(index);
      if (compareAndSet(index, old, value)) {{
        return old;
      }}
    }}
  }}
''')
    if isfloat:
        m.append(f'''
  /**
   * Atomically adds to an element.
   *
   * @param index the index
   * @param delta the value to add
   * @return the previous value
   */
  public {p} getAndAdd(int index, {p} delta) {{
    for (;;) {{
      {p} old = get(index);
      if (compareAndSet(index, old, ({p}) (old + delta))) {{
        return old;
      }}
    }}
  }}
''')
    else:
        m.append(f'''
  /**
   * Atomically adds to an element, wrapping around on overflow.
   *
   * @param index the index
   * @param delta the value to add
   * @return the previous value
   */
  public {p} getAndAdd(int index, {p} delta) {{
    return {o['add']};
  }}
''')
    m.append(f'''
  /**
   * Atomically adds to an element{'' if isfloat else ', wrapping around on overflow'}.
   *
   * @param index the index
   * @param delta the value to add
   * @return the new value
   */
  public {p} addAndGet(int index, {p} delta) {{
    return ({p}) (getAndAdd(index, delta) + delta);
  }}

  /**
   * Copies elements out. Each element is read whole, but the copy as a whole is not atomic:
   * hold {{@link #lock()}} (and have writers hold it) for a consistent snapshot.
   *
   * @param from the first element to copy
   * @param dst the destination
   * @param dstIndex the first destination index
   * @param count the number of elements
   * @throws IndexOutOfBoundsException if a range is out of bounds
   */
  public void copyTo(int from, {p}[] dst, int dstIndex, int count) {{
    checkRange(from, count, dstIndex, dst.length);
    mem.copyOut(data + (long) from * {n}, dst, dstIndex, count);
  }}

  /**
   * Copies elements in, then publishes them with a full fence.
   *
   * @param src the source
   * @param srcIndex the first source index
   * @param to the first element to write
   * @param count the number of elements
   * @throws IndexOutOfBoundsException if a range is out of bounds
   */
  public void copyFrom({p}[] src, int srcIndex, int to, int count) {{
    checkRange(to, count, srcIndex, src.length);
    mem.copyIn(src, srcIndex, data + (long) to * {n}, count);
  }}

  /**
   * Copies every element into a new Java array (Python's {{@code arr[:]}}).
   *
   * @return the elements
   */
  public {p}[] toArray() {{
    {p}[] out = new {p}[length()];
    copyTo(0, out, 0, out.length);
    return out;
  }}

  /**
   * The elements as text, formatted like a Java {{@link java.util.List}}: {{@code [0, -1, -2]}}.
   *
   * @return the current elements formatted
   */
  @Override
  public String toString() {{
    return isClosed() ? "{cls}[closed]" : java.util.Arrays.toString(toArray());
  }}
''')
    initm=put_init(t,'b')
    src=f'''// Generated by java/codegen/gen_shared_types.py: edit that file, not this one.
package org.mproc.shared;

/**
 * A fixed-length array of {p} in shared memory: Python's {{@code multiprocessing.Array}} with
 * type code {PY[t].replace('Value(','Array(')}, shaped like
 * {{@link java.util.concurrent.atomic.{'AtomicIntegerArray' if ATOMIC[t]=='AtomicInteger' else 'AtomicLongArray'}}}.
 *
 * <p>Every process that creates or opens it sees the same elements; element reads and writes are
 * volatile and go straight to the mapped memory (no native call), and the read-modify-write
 * methods are atomic across processes. Hold {{@link #lock()}} (Python's {{@code get_lock()}}) to
 * update several elements as one step. Python's {{@code RawArray}} is the same object without
 * using the lock.
 *
 * <pre>{{@code
 * try ({cls} arr = {cls}.create("/samples", 10)) {{
 *   arr.set(0, ({p}) 1);
 *   {p}[] all = arr.toArray();       // arr[:]
 * }}
 * }}</pre>
 */
public final class {cls} extends SharedData {{
  {cls}(long handle, String name) {{
    super(handle, name, ElementType.{et});
  }}

  /**
   * Creates an anonymous array of zeros.
   *
   * @param length the number of elements, at least 1
   * @return the new array
   */
  public static {cls} create(int length) {{
    return create(null, length);
  }}

  /**
   * Creates a named array of zeros that other processes (Java, C, Python) can open by name.
   *
   * @param name a name such as {{@code "/samples"}}, or {{@code null}} for an anonymous array
   * @param length the number of elements, at least 1
   * @return the new array
   * @throws org.mproc.ObjectExistsException if a live object has that name
   * @throws IllegalArgumentException if the length is less than 1
   */
  public static {cls} create(String name, int length) {{
    return new {cls}(createHandle(name, ElementType.{et}, false, length, null), name);
  }}

  /**
   * Creates an anonymous array holding a copy of {{@code values}}.
   *
   * @param values the initial elements, at least one
   * @return the new array
   */
  public static {cls} of({p}... values) {{
    return of(null, values);
  }}

  /**
   * Creates a named array holding a copy of {{@code values}}, in place before any other process
   * can see it.
   *
   * @param name a name, or {{@code null}} for an anonymous array
   * @param values the initial elements, at least one
   * @return the new array
   * @throws org.mproc.ObjectExistsException if a live object has that name
   */
  public static {cls} of(String name, {p}[] values) {{
    java.nio.ByteBuffer b = initBuffer((long) values.length * {n});
    for (int i = 0; i < values.length; i++) {{
      b.{initm}(i * {n}, values[i]);
    }}
    return new {cls}(createHandle(name, ElementType.{et}, false, values.length, b.array()), name);
  }}

  /**
   * Opens a named array created by any process.
   *
   * @param name the name
   * @return the array
   * @throws org.mproc.NoSuchObjectException if no object has that name
   * @throws org.mproc.IncompatibleObjectException if the object is not a {p} Array
   */
  public static {cls} open(String name) {{
    return new {cls}(openHandle(name, ElementType.{et}, false), name);
  }}

{''.join(m)}}}
'''
    GENERATED[cls + '.java'] = src

for t in T:
    value_class(t)
    array_class(t)

check = '--check' in sys.argv[1:]
stale = []
for fname, text in sorted(GENERATED.items()):
    path = OUT + fname
    current = open(path).read() if os.path.exists(path) else None
    if current == text:
        continue
    if check:
        stale.append(fname)
    else:
        with open(path, 'w') as f:
            f.write(text)
if stale:
    sys.exit('out of date, run java/codegen/gen_shared_types.py: ' + ', '.join(stale))
