package io.streamcast.job;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;

/**
 * KeyState's type information: the POJO Flink would derive (the same fields, serialized in the
 * same order to the same bytes), with its primitive arrays written in bulk ({@link PrimitiveArrays}).
 */
public final class KeyStateTypeInfo extends TypeInfoFactory<KeyState> {
    @Override
    public TypeInformation<KeyState> createTypeInfo(Type t, Map<String, TypeInformation<?>> genericParameters) {
        Map<String, TypeInformation<?>> fields = new HashMap<>();
        for (Field f : KeyState.class.getFields()) { // its state is its public fields, as for any Flink POJO
            int m = f.getModifiers();
            if (Modifier.isStatic(m) || Modifier.isTransient(m)) {
                continue;
            }
            TypeInformation<?> bulk = PrimitiveArrays.Info.forField(f.getType());
            fields.put(f.getName(), bulk != null ? bulk : TypeInformation.of(f.getType()));
        }
        return Types.POJO(KeyState.class, fields);
    }
}
